"""Elementwise work spread over threads, block of rows by block of rows.

The matrix-multiply library runs its products on every thread it is given; NumPy's elementwise
operations (ufuncs such as ``np.exp`` or ``a * b``) run on one. They let go of Python's global
interpreter lock while they loop over an array, though, so the rows of a large array can be
split into one block per thread and each block computed by its own thread at the same time.
Each row goes through the same operations as before, only on another thread; the numbers are
the same up to rounding (a row sum that the matrix-multiply library takes over a block of rows
may add in another order than over all of them).

`split_rows` does that split, with as many threads as the matrix-multiply library uses (so the
fast path never takes more cores than the products already do; `set_threads` chooses another
count), and only for arrays of at least `MIN_ELEMENTS` numbers: below that, handing a block to
another thread costs more time than it saves. The matrix-multiply library's own idle threads
would otherwise spin on those cores between products (`blas_workers`).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable

from .blas_workers import let_workers_sleep

MIN_ELEMENTS = 32_768  # numbers a call must touch before its rows are split over threads

_chosen_threads: int | None = None  # set by `set_threads`; None: follow the matrix-multiply library
_blas_controllers: list | None = None  # threadpoolctl's handles on the loaded BLAS libraries


def set_threads(count: int | None) -> None:
    """Spread the fast path's elementwise work over `count` threads (1: never split), or, for
    None, over as many threads as NumPy's matrix-multiply library uses (the default)."""
    global _chosen_threads
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise ValueError(f"count must be a whole number >= 1 or None, got {count!r}")
    _chosen_threads = count


def threads() -> int:
    """The number of threads `split_rows` spreads work over."""
    if _chosen_threads is not None:
        return _chosen_threads
    return _blas_threads()


def _blas_threads() -> int:
    """How many threads NumPy's BLAS runs a product on (1 when it cannot be read)."""
    global _blas_controllers
    if _blas_controllers is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas_controllers = ThreadpoolController().select(user_api="blas").lib_controllers
        except ImportError:
            _blas_controllers = []
    return max([controller.num_threads for controller in _blas_controllers], default=1)


def split_rows(work: Callable[[int, int], None], rows: int, elements: int) -> None:
    """Call ``work(start, stop)`` on consecutive blocks of the rows ``0 .. rows`` that together
    cover each row once: one block per thread, at the same time, when `threads` is above 1 and
    the call touches at least `MIN_ELEMENTS` numbers (`elements`); else once for all rows.
    `work` writes its results into arrays made beforehand (``out=``), block by block, and
    returns nothing. The calling thread runs the first block and then every block no helper
    thread has taken yet, so a helper slow to wake (on a busy machine) never holds the call up:
    the caller waits only for blocks already started. An error in any block is raised here once
    every started block has finished. A call made while the helper threads run another split
    (from inside a block, or from another thread) runs on its caller alone."""
    count = 1 if elements < MIN_ELEMENTS else min(threads(), rows)  # small work: not even the count is read
    if count <= 1 or not _splitting.acquire(blocking=False):
        work(0, rows)
        return
    try:
        split = _Split(work, [rows * i // count for i in range(count + 1)])
        for _ in _helpers(count - 1)[:count - 1]:
            _offered.put(split)
        split.run(0)
        split.run_blocks()
        split.wait()
    finally:
        _splitting.release()
    if split.errors:
        raise split.errors[0]


class _Split:
    """The blocks of one `split_rows` call: the first kept for the caller, every other taken once
    by whichever thread asks first. `wait` returns once every block has run."""

    def __init__(self, work: Callable[[int, int], None], bounds: list[int]) -> None:
        self.work, self.bounds = work, bounds
        self.errors: list[BaseException] = []
        self._lock = threading.Lock()  # guards the two counters below
        self._next = 1  # the next block to hand out
        self._unfinished = len(bounds) - 1
        self._all_done = threading.Lock()  # held until the last block has run
        self._all_done.acquire()

    def run_blocks(self) -> None:
        """Take blocks one after the other and run them until none is left."""
        while True:
            with self._lock:
                block, self._next = self._next, self._next + 1
            if block >= len(self.bounds) - 1:
                return
            self.run(block)

    def run(self, block: int) -> None:
        """Run one block; an error is kept for the caller."""
        try:
            self.work(self.bounds[block], self.bounds[block + 1])
        except BaseException as error:  # raised by the caller once every block has run
            self.errors.append(error)
        with self._lock:
            self._unfinished -= 1
            last = self._unfinished == 0
        if last:
            self._all_done.release()

    def wait(self) -> None:
        self._all_done.acquire()


def _serve(offered: queue.SimpleQueue) -> None:
    """A helper thread's life: take the blocks left of every split offered to it through
    `offered` (the queue of the process that made it). A split whose blocks are all taken by the
    time the helper wakes costs it nothing more than the look."""
    while True:
        offered.get().run_blocks()


_splitting = threading.Lock()  # held while the helper threads may run the blocks of one split
_offered: queue.SimpleQueue = queue.SimpleQueue()  # splits offered to the helper threads, one entry per helper
_helper_threads: list[threading.Thread] = []
_helpers_process = 0  # the process that made the helpers: a forked child has none of their threads


def _helpers(count: int) -> list[threading.Thread]:
    """At least `count` helper threads, made once per process and reused. With the first of
    them, the matrix-multiply library's idle workers are told to sleep rather than spin on the
    cores the helpers need (`blas_workers.let_workers_sleep`)."""
    global _helper_threads, _helpers_process, _offered
    if _helpers_process != os.getpid():
        _helper_threads, _helpers_process, _offered = [], os.getpid(), queue.SimpleQueue()
        let_workers_sleep()
    while len(_helper_threads) < count:
        helper = threading.Thread(target=_serve, args=(_offered,), name="fast-rows", daemon=True)
        helper.start()
        _helper_threads.append(helper)
    return _helper_threads
