"""Softmax and log-softmax over the last axis, numerically stable, with the softmax backward.

Rows that are entirely ``-inf`` (every key masked) give all-zero probabilities instead of NaN,
so a fully padded query neither produces nor propagates NaN.
"""

from __future__ import annotations

import numpy as np

from ..fast.reductions import row_dot, row_max, row_sum


def _row_max(x: np.ndarray) -> np.ndarray:
    m = row_max(x)
    return np.where(np.isfinite(m), m, 0.0)


def softmax(x: np.ndarray) -> np.ndarray:
    """exp(x) / sum(exp(x)) along the last axis. Shape (..., n) -> (..., n).

    The row maximum is subtracted first (softmax is unchanged by a constant shift), so exp
    never overflows."""
    e = x - _row_max(x)
    np.exp(e, out=e)  # in place: no second array of the same size
    total = row_sum(e)
    e /= np.where(total > 0, total, 1.0)
    return e


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log(softmax(x)) along the last axis, computed as x - max - log(sum(exp(x - max))).
    Shape (..., n) -> (..., n)."""
    shifted = x - _row_max(x)
    return shifted - np.log(row_sum(np.exp(shifted)))


def softmax_backward(dout: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Gradient of a loss through p = softmax(x), given dL/dp and p. Shapes (..., n).

    The Jacobian is dp_i/dx_j = p_i (delta_ij - p_j), so
    dL/dx_j = p_j (dL/dp_j - sum_i dL/dp_i p_i)."""
    dx = dout - row_dot(dout, probs)
    dx *= probs
    return dx
