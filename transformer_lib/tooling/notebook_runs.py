"""Executing notebooks headless, each top to bottom in a fresh kernel, several at a time.

A chapter's run is mostly one Python process busy on one core (starting the kernel, imports,
drawing), so the chapters run side by side, as many at once as the machine has cores (at most
`MOST_AT_ONCE`, for the memory each kernel takes), as nbval runs them in the tests. Each kernel
then has one BLAS thread: the chapters' small matrices gain nothing from more, and a BLAS thread
waiting for work keeps a core busy that another chapter needs (the times chapters 12 and 13
print would show it). `tools/execute_notebooks.py` writes the outputs back into the notebooks;
the benchmark only times them."""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

MOST_AT_ONCE = 4  # kernels at once by default: each holds a few hundred MB (PyTorch, matplotlib)
ONE_THREAD = {name: "1" for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}


def default_jobs() -> int:
    """Notebooks at a time unless told: one per processor core, at most `MOST_AT_ONCE`."""
    return max(1, min(os.cpu_count() or 1, MOST_AT_ONCE))


def kernel_config(socket_folder: Path):
    """The traitlets configuration of a kernel manager (jupyter_client's `KernelManager` and its
    subclasses, nbclient's among them) for a new kernel. Where the system has Unix-domain
    sockets, the kernel talks through files in `socket_folder` (one folder per kernel): over
    TCP, the ports chosen as free may be taken by another process before the kernel binds them
    (another kernel starting at the same moment, any outgoing connection), and the kernel then
    dies at start ("Address already in use"). Elsewhere (Windows) it talks over TCP on
    localhost, as by default."""
    from traitlets.config import Config

    if os.name != "posix":
        return Config()
    return Config({"KernelManager": {"transport": "ipc", "ip": str(Path(socket_folder) / "kernel")}})


def execute_notebook(path: Path, write: bool = False, timeout: int = 600) -> float:
    """Run `path` top to bottom in a fresh python3 kernel (`kernel_config`), from the
    notebook's own folder (as JupyterLab does), and, if `write`, store the outputs in it: widget
    state is kept so saved controls render on GitHub-like viewers, per-cell timestamps and the
    Python version are not. Returns the wall seconds the run took."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        client = NotebookClient(notebook, config=kernel_config(Path(sockets)), timeout=timeout, kernel_name="python3",
                                record_timing=False, store_widget_state=True,
                                resources={"metadata": {"path": str(path.parent)}})
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    if write:
        notebook.metadata.get("language_info", {}).pop("version", None)
        nbformat.write(notebook, path)
    return seconds


def execute_notebooks(paths: Sequence[Path], jobs: int | None = None, write: bool = False,
                      finished: Callable[[Path, float], None] | None = None) -> tuple[dict[Path, float], float]:
    """Run every notebook of `paths` (`execute_notebook`), `jobs` at a time (default:
    `default_jobs`). The later chapters train and decode, and take longest, so the runs start
    from the last path: every worker stays busy to the end. Calls ``finished(path, seconds)`` as
    each run ends. Returns each notebook's wall seconds, in the order of `paths`, and the wall
    seconds of the whole. The first notebook that fails stops the others and raises its error."""
    if jobs is not None and jobs < 1:
        raise ValueError(f"jobs must be at least 1, got {jobs}")
    paths = [Path(path) for path in paths]
    jobs = min(jobs or default_jobs(), max(len(paths), 1))
    start = time.perf_counter()
    seconds: dict[Path, float] = {}
    # "spawn": a fresh interpreter per worker on every system, none of the caller's threads.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_prepare_worker, initargs=(jobs > 1,)) as pool:
        running = {pool.submit(execute_notebook, path, write): path for path in reversed(paths)}
        try:
            for future in as_completed(running):
                path = running[future]
                seconds[path] = future.result()
                if finished is not None:
                    finished(path, seconds[path])
        except BaseException:
            pool.shutdown(cancel_futures=True)  # the runs not started yet are dropped
            raise
    return {path: seconds[path] for path in paths}, time.perf_counter() - start


UNNEEDED_IMPORTS = ("rfc3987_syntax",)  # modules a worker records as missing: see `_prepare_worker`


def _prepare_worker(one_thread: bool) -> None:
    """Set up a worker process before its first notebook. With `one_thread`, the kernels it
    starts (they inherit its environment) use one BLAS and OpenMP thread. And it skips an import
    that costs 2 s of CPU and serves nothing here: nbformat imports jsonschema, which loads
    `rfc3987_syntax`, where installed, for its IRI format checks, and that package compiles a
    grammar as it is imported. Notebooks hold no IRIs to check; the module is recorded as
    missing, which jsonschema takes as not installed (its other checks stay)."""
    if one_thread:
        os.environ.update(ONE_THREAD)
    for name in UNNEEDED_IMPORTS:
        sys.modules.setdefault(name, None)
