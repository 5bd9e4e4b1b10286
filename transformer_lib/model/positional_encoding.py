"""Sinusoidal positional encoding (위치 인코딩) of "Attention Is All You Need", section 3.5."""

from __future__ import annotations

import numpy as np


def sinusoidal_positional_encoding(
    max_len: int, d_model: int, base: float = 10000.0, dtype=np.float64
) -> np.ndarray:
    """The table PE of shape (max_len, d_model):

        PE[pos, 2i]   = sin(pos / base^(2i / d_model))
        PE[pos, 2i+1] = cos(pos / base^(2i / d_model))

    Even and odd refer to the *dimension* index, not to the word's position. An odd `d_model`
    is allowed: its last column is a sine with no cosine partner."""
    if not isinstance(max_len, (int, np.integer)) or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")
    if not isinstance(d_model, (int, np.integer)) or d_model < 1:
        raise ValueError(f"d_model must be a positive integer, got {d_model!r}")
    positions = np.arange(max_len, dtype=np.float64)[:, None]  # (max_len, 1)
    two_i = np.arange(0, d_model, 2, dtype=np.float64)  # 0, 2, 4, ...
    angles = positions / base ** (two_i / d_model)  # (max_len, ceil(d_model / 2))
    pe = np.zeros((max_len, d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return pe.astype(dtype)
