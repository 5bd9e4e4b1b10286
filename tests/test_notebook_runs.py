"""`execute_notebooks` runs notebooks side by side, each in its own fresh kernel, stores the
outputs only when asked, and stops at a notebook that fails."""

import subprocess
import sys

import nbformat
import pytest
from kernels import started_kernel
from nbclient.exceptions import CellExecutionError

from transformer_lib.tooling.notebook_runs import execute_notebooks


def notebook(folder, name: str, *sources: str):
    path = folder / name
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources]), path)
    return path


def outputs(path) -> list[str]:
    return [o.get("text", "") for cell in nbformat.read(path, as_version=4).cells for o in cell.outputs]


def test_notebooks_run_side_by_side_in_fresh_kernels_and_keep_their_outputs(tmp_path):
    # Each kernel starts empty (no name left by another notebook) and runs from the notebook's folder.
    sources = ("import os\nprint('shared' in globals(), os.getcwd())", "shared = 1")
    first, second = notebook(tmp_path, "a.ipynb", *sources), notebook(tmp_path, "b.ipynb", *sources)
    finished = []
    seconds, wall = execute_notebooks([first, second], jobs=2, write=True,
                                      finished=lambda path, taken: finished.append(path))
    assert list(seconds) == [first, second] and all(s > 0 for s in seconds.values())
    assert sorted(finished) == [first, second]
    assert wall > 0
    assert outputs(first) == outputs(second) == [f"False {tmp_path}\n"]


def test_without_write_the_notebooks_are_left_as_they_were(tmp_path):
    path = notebook(tmp_path, "a.ipynb", "print(1)")
    before = path.read_bytes()
    execute_notebooks([path], jobs=1)
    assert path.read_bytes() == before


def test_a_failing_notebook_raises_its_error(tmp_path):
    path = notebook(tmp_path, "broken.ipynb", "raise ValueError('on purpose')")
    with pytest.raises(CellExecutionError, match="on purpose"):
        execute_notebooks([path], jobs=1)


def test_jobs_must_be_positive(tmp_path):
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        execute_notebooks([tmp_path / "a.ipynb"], jobs=0)


def test_side_by_side_each_kernel_has_one_blas_thread(tmp_path, monkeypatch):
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        monkeypatch.delenv(name, raising=False)
    source = "import os\nprint(os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('OMP_NUM_THREADS'))"
    paths = [notebook(tmp_path, f"{name}.ipynb", source) for name in "ab"]
    execute_notebooks(paths, jobs=2, write=True)
    assert [outputs(path) for path in paths] == [["1 1\n"], ["1 1\n"]]


def test_by_default_one_notebook_per_core_and_at_most_four(monkeypatch):
    from transformer_lib.tooling import notebook_runs

    for cores, expected in ((1, 1), (2, 2), (16, notebook_runs.MOST_AT_ONCE), (None, 1)):
        monkeypatch.setattr(notebook_runs.os, "cpu_count", lambda cores=cores: cores)
        assert notebook_runs.default_jobs() == expected


def test_a_worker_validates_notebooks_without_the_iri_grammar():
    # In a fresh interpreter, as a worker starts: jsonschema without rfc3987_syntax, nbformat still validating.
    check = ("from transformer_lib.tooling.notebook_runs import _prepare_worker\n"
             "_prepare_worker(one_thread=False)\n"
             "import sys, nbformat, jsonschema\n"
             "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
             "broken = nbformat.v4.new_notebook(); broken.cells = [{'cell_type': 'code'}]\n"
             "refused = nbformat.validator.isvalid(broken)\n"
             "print(sys.modules.get('rfc3987_syntax'), refused)")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["None", "False"]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows has no Unix-domain sockets for zmq: kernels use TCP there")
def test_a_kernel_talks_through_files_of_its_own_folder_not_tcp_ports(tmp_path):
    """No TCP port to lose to another process between choosing it and binding it: the kernel's
    five channels are sockets in the folder given, and they are gone when it stops."""
    with started_kernel(tmp_path) as (manager, client):
        assert manager.transport == "ipc"
        assert sorted(p.name for p in tmp_path.iterdir()) == [f"kernel-{port}" for port in range(1, 6)]
        assert client.execute_interactive("x = 1", timeout=30)["content"]["status"] == "ok"
    assert list(tmp_path.iterdir()) == []
