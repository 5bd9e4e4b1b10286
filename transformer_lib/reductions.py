"""Sums, means and maxima along one axis, faster than NumPy's reduction loop over short rows.

``x.sum(axis=-1)`` over short rows (a token's d_model = 32 features, an attention row of 10
keys) runs NumPy's reduction loop row by row; ``x @ ones`` does the same additions inside the
matrix-multiply library, several times faster at this book's sizes. The layers call these
functions where they sum along an axis; the results equal ``ndarray.sum`` / ``ndarray.mean`` up
to rounding (the additions happen in another order), which the tests check. `row_max` takes
short rows as columns instead (exactly ``ndarray.max``).
"""

from __future__ import annotations

import numpy as np


def row_sum(x: np.ndarray) -> np.ndarray:
    """The sum over the last axis, kept as an axis of length 1: (..., n) -> (..., 1).
    Same as ``x.sum(axis=-1, keepdims=True)``."""
    n = x.shape[-1]
    if x.size == 0:
        return x.sum(axis=-1, keepdims=True)
    return (x.reshape(-1, n) @ np.ones(n, dtype=x.dtype)).reshape(*x.shape[:-1], 1)


def row_mean(x: np.ndarray) -> np.ndarray:
    """The mean over the last axis, kept as an axis of length 1: (..., n) -> (..., 1).
    Same as ``x.mean(axis=-1, keepdims=True)``."""
    return row_sum(x) / x.shape[-1]


def column_sum(x: np.ndarray) -> np.ndarray:
    """The sum over the rows of a matrix: (N, n) -> (n,). Same as ``x.sum(axis=0)``."""
    if x.size == 0:
        return x.sum(axis=0)
    return np.ones(x.shape[0], dtype=x.dtype) @ x


def row_max(x: np.ndarray) -> np.ndarray:
    """The maximum over the last axis, kept as an axis of length 1: (..., n) -> (..., 1). Same
    as ``x.max(axis=-1, keepdims=True)``, NaN included.

    Rows of up to 64 numbers are first copied into columns (the transpose, made contiguous):
    the maximum down each column is then an elementwise maximum of whole rows, one fast loop,
    instead of NumPy's reduction loop started again for every short row."""
    n = x.shape[-1]
    if n > 64 or x.size == 0:
        return x.max(axis=-1, keepdims=True)
    columns = np.ascontiguousarray(x.reshape(-1, n).T)  # (n, number of rows)
    return columns.max(axis=0).reshape(*x.shape[:-1], 1)
