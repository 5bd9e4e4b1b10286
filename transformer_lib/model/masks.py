"""Attention masks. Convention (as in PyTorch's boolean masks): True means *masked out*.

A mask broadcasts against attention scores of shape (batch, heads, queries, keys)."""

from __future__ import annotations

import numpy as np


def causal_mask(length: int) -> np.ndarray:
    """(length, length) boolean mask, True above the diagonal: query t may not see keys > t."""
    return np.triu(np.ones((length, length), dtype=bool), k=1)


def padding_mask(tokens: np.ndarray, pad_id: int) -> np.ndarray:
    """(batch, seq) boolean mask, True where `tokens` equals `pad_id`."""
    return np.asarray(tokens) == pad_id


def attention_mask(
    key_padding: np.ndarray | None = None, causal_length: int | None = None
) -> np.ndarray | None:
    """Combine a key-padding mask (batch, keys) and/or a causal mask of `causal_length` into one
    mask of shape (batch, 1, queries or 1, keys) that broadcasts over heads. None if neither."""
    mask = None
    if key_padding is not None:
        key_padding = np.asarray(key_padding, dtype=bool)
        if key_padding.ndim != 2:
            raise ValueError(f"key_padding has shape {key_padding.shape}, expected (batch, keys)")
        mask = key_padding[:, None, None, :]
    if causal_length is not None:
        causal = causal_mask(causal_length)[None, None, :, :]
        mask = causal if mask is None else (mask | causal)
    return mask


def mask_scores(scores: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """`scores` with -inf wherever `mask` (broadcasting to the scores' shape) is True, so
    softmax gives those keys weight 0, as a new array; a mask of None returns `scores` itself."""
    if mask is None:
        return scores
    return np.where(mask, -np.inf, scores)
