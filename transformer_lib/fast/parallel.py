"""The fast path's work spread over threads, block of rows by block of rows, on threads of its own.

NumPy's elementwise operations (ufuncs such as ``np.exp`` or ``a * b``) run on one thread, and
the matrix-multiply library (BLAS) runs a product on threads of its own. Both let go of Python's
global interpreter lock while they work, though, so the rows of a large array can be split into
one block per thread and each block computed by its own thread at the same time: an elementwise
step, or the rows (or columns) of a product. Each row goes through the same operations as
before, only on another thread; the numbers are the same up to rounding (a row sum that the
matrix-multiply library takes over a block of rows may add in another order than over all of
them).

`split_rows` does that split, with as many threads as the matrix-multiply library uses (so the
fast path never takes more cores than the products already do; `set_threads` chooses another
count), and only for work of at least `MIN_ELEMENTS` numbers: below that, handing a block to
another thread costs more time than it saves. While the blocks run, the BLAS computes on one
thread: the fast path's threads then hold the cores alone, instead of sharing them with the
BLAS's own threads (which keep spinning for a while after each product, waiting for the next).
`split_product_rows` splits work made of matrix products, from `MIN_MULTIPLY_ADDS`
multiply-adds on; `matmul` is one product split that way, by the rows of its result (or by its
columns, when those are more).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable

import numpy as np

MIN_ELEMENTS = 32_768  # numbers a call must touch before its rows are split over threads
MIN_MULTIPLY_ADDS = 1 << 20  # multiply-adds a product must take before its rows are split over threads

_chosen_threads: int | None = None  # set by `set_threads`; None: follow the matrix-multiply library
_blas_controllers: list | None = None  # threadpoolctl's handles on the loaded BLAS libraries
_in_block = threading.local()  # ``.active`` is True on a thread while it runs a block of `split_rows`


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


def _blas_libraries() -> list:
    """threadpoolctl's handles on the BLAS libraries NumPy loaded (none when it cannot say)."""
    global _blas_controllers
    if _blas_controllers is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas_controllers = ThreadpoolController().select(user_api="blas").lib_controllers
        except ImportError:
            _blas_controllers = []
    return _blas_controllers


def _blas_threads() -> int:
    """How many threads NumPy's BLAS runs a product on (1 when it cannot be read)."""
    return max([library.num_threads for library in _blas_libraries()], default=1)


def split_rows(work: Callable[[int, int], None], rows: int, elements: int) -> None:
    """Call ``work(start, stop)`` on consecutive blocks of the rows ``0 .. rows`` that together
    cover each row once: one block per thread, all at the same time, when `threads` is above 1
    and the call touches at least `MIN_ELEMENTS` numbers (`elements`); else once for all rows.
    `work` writes its results into arrays made beforehand (``out=``), block by block, and
    returns nothing. The first block runs on the calling thread; an error in any block is
    raised here once every block has finished. While the blocks run, the BLAS computes on one
    thread; a `split_rows` called inside a block runs its work whole, on that block's thread."""
    _split(work, rows, elements >= MIN_ELEMENTS)


def split_product_rows(work: Callable[[int, int], None], rows: int, multiply_adds: int) -> None:
    """`split_rows` for work made of matrix products: split once it takes `MIN_MULTIPLY_ADDS`
    multiply-adds."""
    _split(work, rows, multiply_adds >= MIN_MULTIPLY_ADDS)


def _split(work: Callable[[int, int], None], rows: int, large: bool) -> None:
    """`split_rows` for work that is `large` enough to split, or not."""
    count = min(threads(), rows) if large and not getattr(_in_block, "active", False) else 1  # small: no count read
    if count <= 1:
        work(0, rows)
        return
    bounds = [rows * i // count for i in range(count + 1)]
    helpers = _helpers(count - 1)
    libraries = _blas_libraries()
    blas_threads = [library.num_threads for library in libraries]
    for library in libraries:
        library.set_num_threads(1)
    try:
        for i, helper in enumerate(helpers[:count - 1], start=1):
            helper.start(work, bounds[i], bounds[i + 1])
        try:
            _run_block(work, bounds[0], bounds[1])
        finally:
            errors = [helper.finish() for helper in helpers[:count - 1]]  # every block has finished
        for error in errors:
            if error is not None:
                raise error
    finally:
        for library, count_before in zip(libraries, blas_threads, strict=True):
            library.set_num_threads(count_before)


def _run_block(work: Callable[[int, int], None], start: int, stop: int) -> None:
    """``work(start, stop)``, marking this thread as running a block meanwhile."""
    _in_block.active = True
    try:
        work(start, stop)
    finally:
        _in_block.active = False


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``a @ b`` for matrices a (N, k) and b (k, n) -> (N, n), written into `out` when given
    (it may be a view with strided rows), split over threads (`split_rows`) by the rows of the
    result when N >= n, else by its columns, once it takes `MIN_MULTIPLY_ADDS` multiply-adds.
    Each block is one BLAS product on one thread."""
    if out is None:
        out = np.empty((a.shape[0], b.shape[1]), dtype=np.result_type(a, b))
    multiply_adds = a.shape[0] * a.shape[1] * b.shape[1]
    if a.shape[0] >= b.shape[1]:
        split_product_rows(lambda start, stop: np.matmul(a[start:stop], b, out=out[start:stop]),
                           a.shape[0], multiply_adds)
    else:
        split_product_rows(lambda start, stop: np.matmul(a, b[:, start:stop], out=out[:, start:stop]),
                           b.shape[1], multiply_adds)
    return out


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
            try:
                _run_block(*self._block)
            except BaseException as error:  # handed to the caller by `finish`
                self._error = error
            self._done.release()


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
