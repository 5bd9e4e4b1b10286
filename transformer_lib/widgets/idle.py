"""Work done while the kernel waits: what a control prepares before the reader moves it.

A Jupyter kernel runs each cell on its main thread and, between cells, waits on an event loop
for the next message, a moved control among them. `when_idle(job)` asks that loop to call
``job()`` once neither a cell nor a control has been busy for `IDLE_SECONDS`, and to call it
again while it returns True: one short piece of work per call, so a change the reader makes
meanwhile waits for one piece at most. A notebook executed headless sends its cells one after
another and is never idle that long, so the work is done for readers only and costs such a run
nothing. Outside a kernel (a script, a test) nothing is scheduled and `when_idle` says so.

A job belongs to the cell that scheduled it: when that cell runs again, the outputs it made
(a control among them) are replaced, and its jobs waiting are dropped with them."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

IDLE_SECONDS = 2.0  # quiet time, after the last cell or change, before any prepared work starts

_BETWEEN_JOBS_SECONDS = 0.02
_jobs: deque[tuple[str | None, Callable[[], bool]]] = deque()  # (the cell that scheduled it, the job)
_state = {"busy_until": 0.0, "cell_running": False, "cell": None, "ticking": False, "watched_shell": None}


def when_idle(job: Callable[[], bool]) -> bool:
    """Call ``job()`` on the kernel's event loop whenever it has been idle for `IDLE_SECONDS`,
    until ``job()`` returns False (jobs take turns, one call at a time), or until the cell
    running now runs again. Returns whether a kernel will run it: False outside a Jupyter
    kernel, where nothing is scheduled."""
    loop = _kernel_loop()
    if loop is None:
        return False
    _jobs.append((_state["cell"], job))
    busy_now()
    if not _state["ticking"]:
        _state["ticking"] = True
        loop.call_later(IDLE_SECONDS, _tick, loop)
    return True


def busy_now() -> None:
    """Note activity (a control just redrew): prepared work waits `IDLE_SECONDS` from now."""
    _state["busy_until"] = time.monotonic() + IDLE_SECONDS


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the IPython kernel this code runs in, watching its cells;
    None outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    if _state["watched_shell"] is not shell:
        shell.events.register("pre_run_cell", _cell_started)
        shell.events.register("post_run_cell", _cell_ended)
        _state["watched_shell"] = shell
    return loop


def _cell_started(info=None) -> None:
    """A cell starts: the jobs an earlier run of it scheduled belong to outputs it replaces."""
    _state["cell_running"] = True
    _state["cell"] = getattr(info, "cell_id", None)  # None where the front end names no cell
    if _state["cell"] is not None:
        kept = [(cell, job) for cell, job in _jobs if cell != _state["cell"]]
        _jobs.clear()
        _jobs.extend(kept)


def _cell_ended(_result=None) -> None:
    _state["cell_running"] = False
    _state["cell"] = None
    busy_now()


def _tick(loop: asyncio.AbstractEventLoop) -> None:
    """Run one call of the first job if the kernel has been idle long enough, else wait."""
    if not _jobs:  # all dropped with the cells that scheduled them
        _state["ticking"] = False
        return
    wait = _state["busy_until"] - time.monotonic()
    if _state["cell_running"] or wait > 0:
        loop.call_later(max(wait, 0.05), _tick, loop)
        return
    cell, job = _jobs.popleft()
    more = False
    try:
        more = job()
    finally:  # a job that raised is dropped (the loop reports its error); the others go on
        if more:
            _jobs.append((cell, job))
        if _jobs:  # after a pause in which a change that arrived meanwhile is handled first
            loop.call_later(_BETWEEN_JOBS_SECONDS, _tick, loop)
        else:
            _state["ticking"] = False
