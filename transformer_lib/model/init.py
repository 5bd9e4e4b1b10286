"""Deterministic weight initialisation."""

from __future__ import annotations

import numpy as np


def xavier_uniform(rng: np.random.Generator, fan_in: int, fan_out: int, dtype=np.float64) -> np.ndarray:
    """A (fan_in, fan_out) matrix drawn from U(-a, a) with a = sqrt(6 / (fan_in + fan_out))
    (Glorot and Bengio, 2010): keeps the variance of activations and gradients about equal
    from layer to layer."""
    bound = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(dtype, copy=False)
