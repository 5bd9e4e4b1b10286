"""Sinusoidal positional encoding (위치 인코딩) of "Attention Is All You Need", section 3.5.

This module computes the encoding; `figures.positional_encoding` draws it and
`widgets.positional_encoding` is the control that explores it."""

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
    return positional_encoding_at(np.arange(max_len, dtype=np.float64), d_model, base).astype(dtype)


def positional_encoding_at(positions: np.ndarray, d_model: int, base: float = 10000.0) -> np.ndarray:
    """The same formula at any real `positions` (n,), shape (n, d_model): at 0, 1, 2, ... the
    rows of the table; between them the smooth waves the table samples."""
    positions = np.asarray(positions, dtype=np.float64)
    if positions.ndim != 1:
        raise ValueError(f"positions must be a 1-D array, got shape {positions.shape}")
    if not isinstance(d_model, (int, np.integer)) or d_model < 1:
        raise ValueError(f"d_model must be a positive integer, got {d_model!r}")
    positions = positions[:, None]  # (n, 1)
    two_i = np.arange(0, d_model, 2, dtype=np.float64)  # 0, 2, 4, ...
    angles = positions / base ** (two_i / d_model)  # (n, ceil(d_model / 2))
    pe = np.zeros((positions.shape[0], d_model))
    pe[:, 0::2] = np.sin(angles)
    pe[:, 1::2] = np.cos(angles[:, : d_model // 2])
    return pe
