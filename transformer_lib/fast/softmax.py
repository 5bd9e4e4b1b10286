"""Softmax and its backward through the fast reductions, in place where the input is a new
array. Equal to ``model.softmax`` up to rounding (the row sums add in another order)."""

from __future__ import annotations

import numpy as np

from .reductions import row_dot, row_max, row_sum


def softmax(x: np.ndarray) -> np.ndarray:
    """``model.softmax.softmax``: exp(x - row max) / row sum along the last axis, (..., n) ->
    (..., n); a row of -inf gives zeros. The exponential and the division run in place."""
    m = row_max(x)
    e = x - np.where(np.isfinite(m), m, 0.0)
    np.exp(e, out=e)
    total = row_sum(e)
    e /= np.where(total > 0, total, 1.0)
    return e


def softmax_backward(dout: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """``model.softmax.softmax_backward``: p (dout - rowsum(dout p)), shapes (..., n), with the
    row sum as a dot product and the product in place."""
    dx = dout - row_dot(dout, probs)
    dx *= probs
    return dx
