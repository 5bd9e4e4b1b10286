"""Masking attention scores by adding a small array instead of selecting element by element."""

from __future__ import annotations

import numpy as np


def mask_scores(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``model.masks.mask_scores`` (``np.where(mask, -inf, scores)``, or `scores` itself for a
    mask of None), computed as scores plus a 0 / -inf array of the mask's own (usually much
    smaller, broadcasting) shape: cheaper than a selection over the whole scores array."""
    if mask is None:
        return scores
    dtype = scores.dtype.type
    return scores + np.where(mask, dtype(-np.inf), dtype(0.0))
