"""The textbook's set-up and commands, with nothing but Python (no make, no shell).

    python tools/textbook.py lab          # set up, then open your own copy of the chapters in JupyterLab
    python tools/textbook.py test         # set up with the test tools, then lint, unit tests, nbval, browser
    python tools/textbook.py refresh 03   # replace your copy of chapter 03 with the book's (yours is kept)

On Windows write ``py`` instead of ``python``. The first command creates ``.venv`` in this folder
and installs the pinned packages (``constraints.txt``); later runs reuse it. ``lab`` serves
``my-notebooks/``, a copy of ``notebooks/`` made once and never overwritten, so your answers
survive ``git pull``; ``test`` always checks the book's own ``notebooks/``.

This file runs on any Python 3.7 or newer far enough to say which Python the textbook needs."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BOOK = ROOT / "notebooks"
WORKING_COPY = ROOT / "my-notebooks"
STAMP_NAME = ".installed.json"
BOOK_VERSIONS_NAME = ".book-versions.json"  # in the working copy: the book's digest of each file when copied
FIRST_CHAPTER = "00_overview.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
LINTED = ["transformer_lib", "tests", "tools", "notebooks"]
CHECK_ENV_MODULE = "transformer_lib.tooling.check_env"
BENCH_MODULE = "transformer_lib.tooling.bench"


# ---------------------------------------------------------------- Python and the virtual environment

def required_python(pyproject: Path = ROOT / "pyproject.toml") -> tuple[int, int]:
    """The oldest Python the package accepts, read from ``requires-python = ">=3.X"``."""
    match = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)', pyproject.read_text(encoding="utf-8"), re.M)
    if match is None:
        raise ValueError(f"{pyproject} has no requires-python = \">=3.X\" line")
    return int(match.group(1)), int(match.group(2))


def current_python() -> tuple[int, int, int]:
    return tuple(sys.version_info[:3])


def check_python(version: tuple[int, ...], needed: tuple[int, int]) -> None:
    """Stop with what to install when `version` is older than `needed` (before anything is installed)."""
    if tuple(version[:2]) >= needed:
        return
    have = ".".join(map(str, version))
    want = f"{needed[0]}.{needed[1]}"
    raise SystemExit(
        f"The textbook needs Python {want} or newer; this is Python {have} ({sys.executable}).\n"
        f"Install Python {want} or newer: on Windows and macOS from python.org (on Windows tick\n"
        f"'Add python.exe to PATH'), on Linux from your package manager (e.g. apt-get install python3).\n"
        f"Then run this command again with it, e.g.  python{want} tools/textbook.py lab  (Windows: py -{want} ...)."
    )


def venv_python(venv: Path, os_name: str = os.name) -> Path:
    """The interpreter inside `venv`: Scripts\\python.exe on Windows, bin/python on macOS and Linux."""
    if os_name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def install_fingerprint(root: Path, extras: tuple[str, ...]) -> dict:
    """What an install depends on: the two files that say what to install, and the extras."""
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((root / name).read_bytes())
    return {"files": digest.hexdigest(), "extras": sorted(extras)}


def installed_fingerprint(venv: Path) -> dict | None:
    try:
        return json.loads((venv / STAMP_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def run(command: list, **kwargs) -> int:
    """Run `command` (a list of arguments, no shell) and return its exit status. Ctrl-C reaches
    the command too and it decides (JupyterLab asks before it stops, pytest stops at once)."""
    print("+ " + " ".join(str(part) for part in command), flush=True)
    process = subprocess.Popen([str(part) for part in command], **kwargs)
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def run_or_stop(command: list, **kwargs) -> None:
    status = run(command, **kwargs)
    if status != 0:
        raise SystemExit(status)


def ensure_environment(extras: tuple[str, ...] = (), venv: Path = VENV, root: Path = ROOT) -> Path:
    """Create `venv` if needed and install the package (with `extras`) when pyproject.toml or
    constraints.txt changed since the last install, or an extra is missing. Returns its python."""
    python = venv_python(venv)
    stamp = installed_fingerprint(venv) if python.exists() else None
    wanted = install_fingerprint(root, extras)
    if stamp is not None and stamp["files"] == wanted["files"] and set(extras) <= set(stamp["extras"]):
        return python
    if not python.exists():
        if run([sys.executable, "-m", "venv", venv]) != 0:
            raise SystemExit("Could not create the virtual environment. On Debian and Ubuntu: apt-get install python3-venv")
    run_or_stop([python, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=24"], cwd=root)
    extras = tuple(sorted(set(extras) | set(stamp["extras"] if stamp else ())))  # keep what was installed
    target = ".[{}]".format(",".join(extras)) if extras else "."
    run_or_stop([python, "-m", "pip", "install", "--quiet", "-c", "constraints.txt", "-e", target], cwd=root)
    (venv / STAMP_NAME).write_text(json.dumps(install_fingerprint(root, extras)), encoding="utf-8")
    return python


# ---------------------------------------------------------------- the reader's working copy

def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def book_notebooks(book: Path) -> list[str]:
    """Every notebook of the book, as a path relative to `book` with forward slashes."""
    return sorted(p.relative_to(book).as_posix() for p in book.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def read_book_versions(copy: Path) -> dict:
    try:
        return json.loads((copy / BOOK_VERSIONS_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def prepare_working_copy(book: Path, copy: Path) -> tuple[list[str], list[str]]:
    """Copy into `copy` every notebook of `book` that is not there yet; never overwrite one.

    Returns (copied, updated_in_book): the notebooks copied now, and those the book has changed
    since they were copied (the reader's copy is kept; ``refresh`` replaces one)."""
    versions = read_book_versions(copy)
    copied, updated = [], []
    for name in book_notebooks(book):
        source, target = book / name, copy / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            versions[name] = file_digest(source)
            copied.append(name)
        elif name in versions and versions[name] != file_digest(source):
            updated.append(name)
    copy.mkdir(parents=True, exist_ok=True)
    (copy / BOOK_VERSIONS_NAME).write_text(json.dumps(versions, indent=1, sort_keys=True), encoding="utf-8")
    return copied, updated


def find_chapter(book: Path, chapter: str) -> str:
    """The one notebook of `book` that `chapter` names: ``3``, ``03``, ``03_self_attention``,
    ``notebooks/03_self_attention.ipynb`` or ``solutions/03``."""
    names = book_notebooks(book)
    wanted = chapter.replace("\\", "/").removeprefix("notebooks/").removeprefix("my-notebooks/").removesuffix(".ipynb")
    folder, _, stem = wanted.rpartition("/")
    if stem.isdigit():
        stem = f"{int(stem):02d}_"
    matches = [n for n in names if n.rpartition("/")[0] == folder and n.rpartition("/")[2].startswith(stem)]
    exact = [n for n in matches if n.removesuffix(".ipynb").rpartition("/")[2] == stem]
    matches = exact or matches
    if len(matches) != 1:
        found = "several: " + ", ".join(matches) if matches else "none"
        raise SystemExit(f"refresh: chapter {chapter!r} names {found}. The book's notebooks:\n  " + "\n  ".join(names))
    return matches[0]


def refresh_chapter(book: Path, copy: Path, chapter: str) -> tuple[Path, Path | None]:
    """Replace the working copy of `chapter` with the book's; the reader's version is kept beside
    it as ``<name>.mine-<n>.ipynb``. Returns (the refreshed file, the kept one or None)."""
    name = find_chapter(book, chapter)
    target = copy / name
    kept = None
    if target.exists():
        n = 1
        while target.with_name(f"{target.stem}.mine-{n}.ipynb").exists():
            n += 1
        kept = target.with_name(f"{target.stem}.mine-{n}.ipynb")
        target.replace(kept)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(book / name, target)
    versions = read_book_versions(copy)
    versions[name] = file_digest(book / name)
    (copy / BOOK_VERSIONS_NAME).write_text(json.dumps(versions, indent=1, sort_keys=True), encoding="utf-8")
    return target, kept


# ---------------------------------------------------------------- the browser for the browser tests

def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def chromium_install_commands() -> list[list[str]]:
    """Debian's chromium through apt-get, only where apt-get exists and we are root or have sudo;
    elsewhere nothing (the browser tests then skip)."""
    if CHROMIUM.exists() or not sys.platform.startswith("linux") or shutil.which("apt-get") is None:
        return []
    if is_root():
        prefix = []
    elif shutil.which("sudo") is not None:
        prefix = ["sudo"]
    else:
        return []
    apt = prefix + ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]
    return [apt + ["update"], apt + ["install", "-y", "chromium"]]


def ensure_chromium() -> None:
    commands = chromium_install_commands()
    if not commands and not CHROMIUM.exists():
        print(f"No {CHROMIUM} and no way to install Debian's chromium here: the browser tests will skip.")
    for command in commands:
        if run(command) != 0:
            print("Installing chromium failed: the browser tests will skip.")
            return


# ---------------------------------------------------------------- the commands

def lab(args: argparse.Namespace, extra: list[str]) -> int:
    python = ensure_environment()
    copy = Path(args.copy).resolve()
    copied, updated = prepare_working_copy(BOOK, copy)
    if copied:
        print(f"Copied {len(copied)} notebooks into {copy} (yours to edit; updates of the book never overwrite them).")
    for name in updated:
        print(f"The book has a newer {name}; yours is kept. To take the book's: python tools/textbook.py refresh {name}")
    command = [python, "-m", "jupyterlab", "--ip=127.0.0.1", f"--port={args.port}", f"--ServerApp.root_dir={copy}"]
    if args.no_browser:
        command.append("--no-browser")
    if is_root():
        command.append("--allow-root")
    return run(command + extra + [copy / FIRST_CHAPTER], cwd=ROOT)


def refresh(args: argparse.Namespace, extra: list[str]) -> int:
    target, kept = refresh_chapter(BOOK, Path(args.copy).resolve(), args.chapter)
    print(f"{target}: now the book's version." + (f" Yours is kept as {kept.name}." if kept else ""))
    return 0


def lint(args: argparse.Namespace, extra: list[str]) -> int:
    return run([ensure_environment(("test",)), "-m", "ruff", "check", *LINTED, *extra], cwd=ROOT)


# Test files run side by side, one per processor core; a notebook's cells stay in one kernel.
IN_PARALLEL = ["-n", "auto", "--dist", "loadfile"]


def unit(args: argparse.Namespace, extra: list[str]) -> int:
    return run([ensure_environment(("test",)), "-m", "pytest", "-q", *IN_PARALLEL, "tests", "--ignore=tests/browser",
                *extra], cwd=ROOT)


def notebooks(args: argparse.Namespace, extra: list[str]) -> int:
    python = ensure_environment(("test",))
    return run([python, "-m", "pytest", "-q", *IN_PARALLEL, "--nbval", "--nbval-current-env",
                "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *(args.paths or ["notebooks"]), *extra], cwd=ROOT)


def browser(args: argparse.Namespace, extra: list[str]) -> int:
    python = ensure_environment(("test",))
    ensure_chromium()
    return run([python, "-m", "pytest", "-q", "tests/browser", *extra], cwd=ROOT)


def test(args: argparse.Namespace, extra: list[str]) -> int:
    ensure_environment(("test",))
    args.paths = []
    for step in (lint, unit, notebooks, browser):
        status = step(args, [])
        if status != 0:
            print(f"test: the {step.__name__} step failed (exit status {status}).")
            return status
    return 0


def execute(args: argparse.Namespace, extra: list[str]) -> int:
    return run([ensure_environment(), "tools/execute_notebooks.py", *(args.paths or ["notebooks"])], cwd=ROOT)


def bench(args: argparse.Namespace, extra: list[str]) -> int:
    return run([ensure_environment(), "-m", BENCH_MODULE, *extra], cwd=ROOT)


def check_env(args: argparse.Namespace, extra: list[str]) -> int:
    return run([ensure_environment(), "-m", CHECK_ENV_MODULE], cwd=ROOT)


def setup(args: argparse.Namespace, extra: list[str]) -> int:
    ensure_environment(("test",) if args.test else ())
    return 0


def clean(args: argparse.Namespace, extra: list[str]) -> int:
    """Remove .venv (never the working copy: it holds the reader's work)."""
    shutil.rmtree(VENV, ignore_errors=True)
    return 0


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="textbook.py", description=__doc__.split("\n\n")[0],
        epilog="Options a command does not know are passed on (to jupyter lab, pytest, ruff, the benchmark).")
    commands = top.add_subparsers(dest="command", required=True, metavar="command")

    def command(function, help_text):
        sub = commands.add_parser(function.__name__.replace("_", "-"), help=help_text, description=help_text)
        sub.set_defaults(function=function)
        return sub

    opened = command(lab, "set up, then serve your copy of the chapters (my-notebooks/) in JupyterLab")
    opened.add_argument("--port", type=int, default=8888)
    opened.add_argument("--no-browser", action="store_true", help="print the address instead of opening a browser")
    opened.add_argument("--copy", default=str(WORKING_COPY), help="the working copy's folder (default: my-notebooks)")
    refreshed = command(refresh, "replace your copy of one chapter with the book's (yours is kept beside it)")
    refreshed.add_argument("chapter", help="e.g. 03, 03_self_attention, solutions/03")
    refreshed.add_argument("--copy", default=str(WORKING_COPY), help="the working copy's folder (default: my-notebooks)")
    command(test, "set up with the test extra, then lint, unit tests, nbval over notebooks/, browser tests")
    command(lint, "ruff over the package, tests, tools and notebooks")
    command(unit, "the unit tests")
    command(notebooks, "nbval over the book's notebooks (all, or the ones named)").add_argument("paths", nargs="*")
    command(browser, "JupyterLab in headless chromium moves the controls (installs Debian's chromium where apt-get exists)")
    command(execute, "re-run notebooks in place from a fresh kernel (all, or the ones named)").add_argument("paths", nargs="*")
    command(bench, "the benchmark")
    command(check_env, "each dependency's required range, installed version, OK or FAIL")
    command(setup, "only create .venv and install").add_argument("--test", action="store_true", help="with the test extra")
    command(clean, "remove .venv (your working copy stays)")
    return top


def main(argv: list[str] | None = None) -> int:
    check_python(current_python(), required_python())  # before any command, so before pip
    args, extra = parser().parse_known_args(argv)
    return args.function(args, extra)


if __name__ == "__main__":
    sys.exit(main())
