"""Sums, means and maxima along one axis, faster than NumPy's reduction loop over short rows.

``x.sum(axis=-1)`` over short rows (a token's d_model = 32 features, an attention row of 10
keys) runs NumPy's reduction loop row by row; ``x @ ones`` does the same additions inside the
matrix-multiply library, several times faster at this book's sizes, and `row_dot` takes the dot product of each row
with a vector (or, through ``np.vecdot``, with the matching row of a second array). The layers call these
functions where they sum along an axis; the results equal ``ndarray.sum`` / ``ndarray.mean`` up
to rounding (the additions happen in another order), which the tests check. `row_max` takes
short rows as columns instead (exactly ``ndarray.max``). `add_rows_at` is ``np.add.at`` on the
rows of a table, run on single numbers.
"""

from __future__ import annotations

import numpy as np


def row_dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The dot product of each row of x with y, kept as an axis of length 1: x (..., n) and
    y (n,) or (..., n) -> (..., 1). Same as ``(x * y).sum(axis=-1, keepdims=True)``, without
    the product array."""
    n = x.shape[-1]
    if x.size == 0:
        return (x * y).sum(axis=-1, keepdims=True)
    if np.ndim(y) == 1:
        return (x.reshape(-1, n) @ y).reshape(*x.shape[:-1], 1)
    return np.vecdot(x, y)[..., None]


def row_sum(x: np.ndarray) -> np.ndarray:
    """The sum over the last axis, kept as an axis of length 1: (..., n) -> (..., 1).
    Same as ``x.sum(axis=-1, keepdims=True)``."""
    return row_dot(x, np.ones(x.shape[-1], dtype=x.dtype))


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


def add_rows_at(table: np.ndarray, index: np.ndarray, rows: np.ndarray) -> None:
    """``table[index[i]] += rows[i]`` for every i, in place, where a repeated index adds all of
    its rows: the same as ``np.add.at(table, index, rows)`` for table (V, n), index (N,) ints
    and rows (N, n).

    ``np.add.at`` is much faster with one index per number than with one per row, so a C-ordered
    table is addressed as a flat array of V * n numbers: row r, column c is number r * n + c."""
    if not table.flags.c_contiguous:  # no flat view of the table to add into
        np.add.at(table, index, rows)
        return
    n = table.shape[1]
    flat_index = (np.asarray(index)[:, None] * n + np.arange(n)).reshape(-1)
    np.add.at(table.reshape(-1), flat_index, np.reshape(rows, -1))
