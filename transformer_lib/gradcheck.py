"""Numerical gradient checking: centred finite differences and the relative error."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """dL/dx by centred differences (f(x + h) - f(x - h)) / 2h, one entry at a time.

    `f` takes no arguments and reads `x`, which is perturbed in place and restored.
    Returns an array shaped like `x`. Error O(h^2); use float64."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a| + |b|), a scale-free distance between two arrays (0 when equal)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.max(np.abs(a) + np.abs(b))
    return float(np.max(np.abs(a - b)) / denom) if denom > 0 else 0.0
