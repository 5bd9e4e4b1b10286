"""Masking attention scores by adding a small array instead of selecting element by element."""

from __future__ import annotations

import numpy as np


def score_offsets(mask: np.ndarray, dtype) -> np.ndarray:
    """What masking adds to the scores: -inf where `mask` is True, 0 elsewhere, in `dtype` and
    the mask's own (usually much smaller, broadcasting) shape."""
    dtype = np.dtype(dtype).type
    return np.where(mask, dtype(-np.inf), dtype(0.0))


def mask_scores(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """``model.masks.mask_scores`` (``np.where(mask, -inf, scores)``, or `scores` itself for a
    mask of None), computed as scores plus `score_offsets`: cheaper than a selection over the
    whole scores array."""
    if mask is None:
        return scores
    return scores + score_offsets(mask, scores.dtype)
