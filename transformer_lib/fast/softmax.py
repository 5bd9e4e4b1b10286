"""Softmax and its backward through the fast reductions, written into a given array when one is
passed. Equal to ``model.softmax`` up to rounding (the row sums add in another order)."""

from __future__ import annotations

import numpy as np

from .reductions import row_dot, row_max, row_sum


def softmax(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``model.softmax.softmax``: exp(x - row max) / row sum along the last axis, (..., n) ->
    (..., n); a row of -inf gives zeros. Written into `out` (a new array when None; x itself
    may be given), where the exponential and the division run in place."""
    m = row_max(x)
    e = np.subtract(x, np.where(np.isfinite(m), m, 0.0), out=out)
    np.exp(e, out=e)
    total = row_sum(e)
    e /= np.where(total > 0, total, 1.0)
    return e


def softmax_backward(dout: np.ndarray, probs: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``model.softmax.softmax_backward``: p (dout - rowsum(dout p)), shapes (..., n), with the
    row sum as a dot product and the product in place; written into `out` (a new array when
    None; dout itself may be given)."""
    dx = np.subtract(dout, row_dot(dout, probs), out=out)
    dx *= probs
    return dx
