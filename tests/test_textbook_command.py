"""tools/textbook.py, the set-up and commands without make: the virtual environment's paths per
platform, the Python check before pip, the test extra only for the test command, chromium only
through apt-get, and the reader's working copy (made once, never overwritten, served by lab)."""

import ast
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "textbook.py"
spec = importlib.util.spec_from_file_location("textbook", SCRIPT)
textbook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(textbook)


def path_without_make() -> str:
    """This process's PATH without the folders that hold a `make`."""
    folders = [f for f in os.environ.get("PATH", "").split(os.pathsep) if f and not (Path(f) / "make").exists()]
    path = os.pathsep.join(folders)
    assert shutil.which("make", path=path) is None
    return path


def write_notebook(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    cell = {"cell_type": "markdown", "metadata": {}, "source": text}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


@pytest.fixture
def book(tmp_path):
    for name in ["00_overview.ipynb", "03_self_attention.ipynb", "solutions/03_self_attention_solutions.ipynb"]:
        write_notebook(tmp_path / "book" / name, f"the book's {name}")
    return tmp_path / "book"


# ---------------------------------------------------------------- without make

def test_a_command_runs_with_make_absent_from_path():
    env = dict(os.environ, PATH=path_without_make())
    result = subprocess.run([sys.executable, str(SCRIPT), "lint"], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All checks passed" in result.stdout


@pytest.mark.skipif(os.name != "posix", reason="stops the server through its process group")
def test_lab_serves_the_working_copy_with_make_absent_from_path(tmp_path):
    copy = tmp_path / "mine"
    write_notebook(copy / "my_answers.ipynb", "the reader's own notebook")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(os.environ, PATH=path_without_make(), JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    server = subprocess.Popen([sys.executable, str(SCRIPT), "lab", "--no-browser", f"--port={port}", f"--copy={copy}",
                               "--IdentityProvider.token=", "--ServerApp.password="],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        listing = None
        for _ in range(240):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/", timeout=2) as response:
                    listing = json.load(response)
                break
            except OSError:
                assert server.poll() is None, "the lab command exited"
                time.sleep(0.5)
        assert listing is not None, "JupyterLab did not answer within 120 s"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    served = {entry["name"] for entry in listing["content"]}
    assert {"my_answers.ipynb", "00_overview.ipynb", "solutions"} <= served
    assert (copy / "00_overview.ipynb").read_bytes() == (ROOT / "notebooks" / "00_overview.ipynb").read_bytes()


def test_the_script_parses_under_python_3_7_so_it_can_say_the_version_is_too_old():
    ast.parse(SCRIPT.read_text(encoding="utf-8"), feature_version=(3, 7))


# ---------------------------------------------------------------- Python, venv, install

def test_too_old_a_python_stops_with_what_to_install():
    with pytest.raises(SystemExit, match=r"needs Python 3\.11 or newer; this is Python 3\.9\.6") as stop:
        textbook.check_python((3, 9, 6), (3, 11))
    assert "python.org" in str(stop.value) and "package manager" in str(stop.value)
    textbook.check_python((3, 11, 0), (3, 11))
    textbook.check_python((3, 13, 1), (3, 11))
    assert textbook.required_python() == (3, 11)


def test_the_python_check_comes_before_pip(monkeypatch):
    commands = []
    monkeypatch.setattr(textbook, "current_python", lambda: (3, 10, 4))
    monkeypatch.setattr(textbook, "run", lambda command, **kwargs: commands.append(command) or 0)
    with pytest.raises(SystemExit, match="3.10.4"):
        textbook.main(["setup"])
    assert commands == []


@pytest.mark.parametrize(("os_name", "expected"), [("nt", "Scripts/python.exe"), ("posix", "bin/python")])
def test_the_virtual_environments_python_on_each_platform(os_name, expected):
    assert textbook.venv_python(Path("venv"), os_name).as_posix() == f"venv/{expected}"


def fake_install(monkeypatch, venv):
    """Record the commands instead of running them; `python -m venv` makes the interpreter file."""
    commands = []

    def run(command, **kwargs):
        commands.append([str(part) for part in command])
        if command[1:3] == ["-m", "venv"]:
            textbook.venv_python(venv).parent.mkdir(parents=True)
            textbook.venv_python(venv).touch()
        return 0

    monkeypatch.setattr(textbook, "run", run)
    return commands


def pip_installs(commands):
    return [c[c.index("-e") + 1] for c in commands if "-e" in c]


def test_lab_installs_without_the_test_extra_and_test_adds_it_once(tmp_path, monkeypatch):
    venv = tmp_path / "venv"
    commands = fake_install(monkeypatch, venv)
    textbook.ensure_environment((), venv=venv)
    assert commands[0][1:] == ["-m", "venv", str(venv)]
    assert pip_installs(commands) == ["."]
    textbook.ensure_environment((), venv=venv)
    assert pip_installs(commands) == ["."]  # up to date: nothing runs
    textbook.ensure_environment(("test",), venv=venv)
    textbook.ensure_environment(("test",), venv=venv)
    textbook.ensure_environment((), venv=venv)
    assert pip_installs(commands) == [".", ".[test]"]
    assert all("constraints.txt" in c for c in commands if "-e" in c)


def test_a_changed_pyproject_reinstalls_with_the_extras_already_there(tmp_path, monkeypatch):
    root = tmp_path / "checkout"
    root.mkdir()
    for name in ("pyproject.toml", "constraints.txt"):
        shutil.copy(ROOT / name, root / name)
    venv = tmp_path / "venv"
    commands = fake_install(monkeypatch, venv)
    textbook.ensure_environment(("test",), venv=venv, root=root)
    (root / "constraints.txt").write_text((root / "constraints.txt").read_text() + "\n# changed\n")
    textbook.ensure_environment((), venv=venv, root=root)
    assert pip_installs(commands) == [".[test]", ".[test]"]


# ---------------------------------------------------------------- chromium only through apt-get

def test_chromium_is_installed_only_through_apt_get(monkeypatch, tmp_path):
    monkeypatch.setattr(textbook, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.setattr(textbook.sys, "platform", "darwin")
    assert textbook.chromium_install_commands() == []
    monkeypatch.setattr(textbook.sys, "platform", "linux")
    monkeypatch.setattr(textbook.shutil, "which", lambda name: None)
    assert textbook.chromium_install_commands() == []  # a Linux without apt-get
    monkeypatch.setattr(textbook.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(textbook, "is_root", lambda: False)
    update, install = textbook.chromium_install_commands()
    assert update[0] == "sudo" and install[-3:] == ["install", "-y", "chromium"]
    monkeypatch.setattr(textbook, "is_root", lambda: True)
    assert textbook.chromium_install_commands()[1][0] == "env"
    monkeypatch.setattr(textbook, "CHROMIUM", SCRIPT)  # "already there"
    assert textbook.chromium_install_commands() == []


# ---------------------------------------------------------------- the working copy

def test_the_working_copy_is_made_once_and_an_update_never_overwrites_it(book, tmp_path):
    copy = tmp_path / "mine"
    copied, updated = textbook.prepare_working_copy(book, copy)
    assert copied == ["00_overview.ipynb", "03_self_attention.ipynb", "solutions/03_self_attention_solutions.ipynb"]
    assert updated == []
    write_notebook(copy / "03_self_attention.ipynb", "the reader's answers")
    write_notebook(book / "03_self_attention.ipynb", "the book's corrected chapter")  # git pull
    write_notebook(book / "04_multi_head_attention.ipynb", "a new chapter")
    copied, updated = textbook.prepare_working_copy(book, copy)
    assert copied == ["04_multi_head_attention.ipynb"] and updated == ["03_self_attention.ipynb"]
    assert "the reader's answers" in (copy / "03_self_attention.ipynb").read_text()
    assert "the book's 00" in (copy / "00_overview.ipynb").read_text()


def test_refresh_takes_the_books_chapter_and_keeps_the_readers(book, tmp_path):
    copy = tmp_path / "mine"
    textbook.prepare_working_copy(book, copy)
    write_notebook(copy / "03_self_attention.ipynb", "the reader's answers")
    write_notebook(book / "03_self_attention.ipynb", "the book's corrected chapter")
    target, kept = textbook.refresh_chapter(book, copy, "03")
    assert "corrected" in target.read_text() and kept.name == "03_self_attention.mine-1.ipynb"
    assert "the reader's answers" in kept.read_text()
    assert textbook.prepare_working_copy(book, copy) == ([], [])  # up to date with the book again
    _, kept_again = textbook.refresh_chapter(book, copy, "notebooks/03_self_attention.ipynb")
    assert kept_again.name == "03_self_attention.mine-2.ipynb"


@pytest.mark.parametrize("name", ["3", "03", "03_self_attention", "03_self_attention.ipynb", "notebooks/03_self_attention.ipynb"])
def test_a_chapter_is_named_as_a_reader_would(book, name):
    assert textbook.find_chapter(book, name) == "03_self_attention.ipynb"
    assert textbook.find_chapter(book, "solutions/03") == "solutions/03_self_attention_solutions.ipynb"


def test_an_unknown_chapter_lists_the_books_notebooks(book):
    with pytest.raises(SystemExit, match=r"(?s)'07' names none.*00_overview\.ipynb"):
        textbook.find_chapter(book, "07")
