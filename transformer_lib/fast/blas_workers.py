"""OpenBLAS's worker threads, told to sleep as soon as a matrix product ends.

Between two products, each worker thread of an OpenBLAS built on pthreads (NumPy's wheels ship
one) keeps spinning for 2^28 processor cycles, about a tenth of a second, before it sleeps, so
that the next product starts without waking it. The fast path runs its elementwise work on
threads of its own (`parallel.split_rows`) in exactly those gaps between products, and there a
spinning worker holds a core that a block of rows is waiting for. `let_workers_sleep` sets that
spin to OpenBLAS's shortest, 2^4 cycles, as ``OPENBLAS_THREAD_TIMEOUT=4`` in the environment
would at start-up: a product then wakes its workers (a few microseconds), and the cores are free
for the rows in between. The products themselves, and every number, are unchanged.

It leaves alone a BLAS that is not OpenBLAS on pthreads, and a process whose environment sets
``OPENBLAS_THREAD_TIMEOUT`` itself (that choice stands)."""

from __future__ import annotations

import ctypes
import os

SPIN_SETTING = "OPENBLAS_THREAD_TIMEOUT"
SHORTEST_SPIN = 4  # log2 of the cycles an idle worker spins before it sleeps: OpenBLAS's smallest
_NEEDED = ("openblas_read_env", "openblas_thread_timeout", "blas_thread_shutdown_")


def let_workers_sleep() -> bool:
    """Make the idle worker threads of NumPy's OpenBLAS sleep at once instead of spinning.
    Returns whether it did: False where NumPy's BLAS is not OpenBLAS on pthreads, where this
    OpenBLAS lacks the entry points it needs, or where the environment sets `SPIN_SETTING`.

    OpenBLAS reads the setting from the environment (read again here, the variable set only
    for that moment) and applies it when it starts its workers; so the workers are stopped
    (`blas_thread_shutdown_`) and start again, with the new setting, at the next product. Call
    it between products, not while another thread runs one."""
    if SPIN_SETTING in os.environ:
        return False
    done = False
    for library in _openblas_on_pthreads():
        os.environ[SPIN_SETTING] = str(SHORTEST_SPIN)
        try:
            library.openblas_read_env()
        finally:
            del os.environ[SPIN_SETTING]
        library.blas_thread_shutdown_()
        done = True
    return done


def worker_spin(library: ctypes.CDLL) -> int:
    """The spin setting `library` (an OpenBLAS) starts its workers with: log2 of the cycles,
    0 for its default (2^28)."""
    library.openblas_thread_timeout.restype = ctypes.c_int
    return library.openblas_thread_timeout()


def _openblas_on_pthreads() -> list[ctypes.CDLL]:
    """NumPy's loaded OpenBLAS libraries whose workers are pthreads, with the entry points needed."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return []
    found = []
    for controller in ThreadpoolController().select(internal_api="openblas").lib_controllers:
        if getattr(controller, "threading_layer", None) != "pthreads":
            continue
        library = ctypes.CDLL(controller.filepath)
        if all(hasattr(library, name) for name in _NEEDED):
            found.append(library)
    return found
