"""Softmax and log-softmax over the last axis, numerically stable, with the softmax backward.

Rows that are entirely ``-inf`` (every key masked) give all-zero probabilities instead of NaN,
so a fully padded query neither produces nor propagates NaN.
"""

from __future__ import annotations

import numpy as np


def _finite_row_max(x: np.ndarray) -> np.ndarray:
    """The maximum of each row (..., n) -> (..., 1), or 0 where it is not finite (a row of -inf)."""
    m = x.max(axis=-1, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def softmax(x: np.ndarray) -> np.ndarray:
    """exp(x) / sum(exp(x)) along the last axis. Shape (..., n) -> (..., n).

    The row maximum is subtracted first (softmax is unchanged by a constant shift), so exp
    never overflows. A row of -inf has sum 0 and gives zeros."""
    e = np.exp(x - _finite_row_max(x))
    total = e.sum(axis=-1, keepdims=True)
    return e / np.where(total > 0, total, 1.0)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """log(softmax(x)) along the last axis, computed as x - max - log(sum(exp(x - max))).
    Shape (..., n) -> (..., n)."""
    shifted = x - _finite_row_max(x)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def softmax_backward(dout: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Gradient of a loss through p = softmax(x), given dL/dp and p. Shapes (..., n).

    The Jacobian is dp_i/dx_j = p_i (delta_ij - p_j), so
    dL/dx_j = p_j (dL/dp_j - sum_i dL/dp_i p_i)."""
    return probs * (dout - (dout * probs).sum(axis=-1, keepdims=True))
