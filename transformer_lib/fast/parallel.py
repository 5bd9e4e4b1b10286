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
another thread costs more time than it saves.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

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
    cover each row once: one block per thread, all at the same time, when `threads` is above 1
    and the call touches at least `MIN_ELEMENTS` numbers (`elements`); else once for all rows.
    `work` writes its results into arrays made beforehand (``out=``), block by block, and
    returns nothing. The first block runs on the calling thread; an error in any block is
    raised here once every block has finished. A call made while the helper threads run
    another split (from inside a block, or from another thread) runs on its caller alone."""
    count = 1 if elements < MIN_ELEMENTS else min(threads(), rows)  # small work: not even the count is read
    if count <= 1 or not _splitting.acquire(blocking=False):
        work(0, rows)
        return
    try:
        bounds = [rows * i // count for i in range(count + 1)]
        helpers = _helpers(count - 1)[:count - 1]
        for i, helper in enumerate(helpers, start=1):
            helper.start(work, bounds[i], bounds[i + 1])
        try:
            work(bounds[0], bounds[1])
        finally:
            errors = [helper.finish() for helper in helpers]  # every block has finished
    finally:
        _splitting.release()
    for error in errors:
        if error is not None:
            raise error


class _Helper:
    """A thread of the fast path's own that runs one block at a time: `start` hands it a block
    and returns at once, `finish` waits until the block has run and returns its error (or None).
    Handing over is one lock released on each side, the cheapest wake-up Python has."""

    def __init__(self) -> None:
        self._go, self._done = threading.Lock(), threading.Lock()
        self._go.acquire()
        self._done.acquire()
        self._block: tuple | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._serve, name="fast-rows", daemon=True).start()

    def start(self, work: Callable[[int, int], None], start: int, stop: int) -> None:
        self._block = (work, start, stop)
        self._go.release()

    def finish(self) -> BaseException | None:
        self._done.acquire()
        error, self._block, self._error = self._error, None, None
        return error

    def _serve(self) -> None:
        while True:
            self._go.acquire()
            work, start, stop = self._block
            try:
                work(start, stop)
            except BaseException as error:  # handed to the caller by `finish`
                self._error = error
            self._done.release()


_splitting = threading.Lock()  # held while the helper threads run the blocks of one split
_helper_list: list[_Helper] = []
_helpers_process = 0  # the process that made the helpers: a forked child has none of their threads


def _helpers(count: int) -> list[_Helper]:
    """At least `count` helper threads, made once per process and reused."""
    global _helper_list, _helpers_process
    if _helpers_process != os.getpid():
        _helper_list, _helpers_process = [], os.getpid()
    while len(_helper_list) < count:
        _helper_list.append(_Helper())
    return _helper_list
