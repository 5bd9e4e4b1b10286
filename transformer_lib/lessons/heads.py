"""Heads of multi-head attention (멀티 헤드): the same four d_model x d_model matrices read as
1, 2, 3 or 6 heads, and what the split costs.

Head i of h owns columns i·d_k .. (i+1)·d_k - 1 of W_Q, W_K and W_V (d_k = d_model / h) and
rows i·d_k .. (i+1)·d_k - 1 of W_O. Changing h regroups those columns; it adds no weights and
no arithmetic."""

from __future__ import annotations

import numpy as np

from ..model.attention import MultiHeadAttention


def with_num_heads(attention: MultiHeadAttention, num_heads: int, scale: str = "d_k") -> MultiHeadAttention:
    """A new `MultiHeadAttention` with a copy of `attention`'s W_Q, W_K, W_V, W_O (and biases),
    split into `num_heads` heads of width d_model / num_heads.

    ``scale="d_k"`` divides the scores by sqrt(d_k) (the paper), ``"d_model"`` by sqrt(d_model)
    (the source document); with one head they agree."""
    copy = MultiHeadAttention(attention.d_model, num_heads, np.random.default_rng(0), attention.dtype, scale=scale)
    copy.load_state_dict(attention.state_dict())
    return copy


def attention_multiply_adds(num_tokens: int, d_model: int, num_heads: int) -> dict[str, int]:
    """Multiply-adds of one self-attention over `num_tokens` tokens, by step.

    Projections Q, K, V: 3·T·d_model² ; scores Q Kᵀ: h heads of T·T·d_k = T²·d_model;
    weights V: the same; output W_O: T·d_model². Softmax and biases are not counted.
    Returns the steps and their ``total``; only d_k = d_model / h depends on h, and it cancels."""
    if d_model % num_heads:
        raise ValueError(f"d_model ({d_model}) must be divisible by num_heads ({num_heads})")
    d_k = d_model // num_heads
    t = num_tokens
    steps = {
        "Q, K, V projections": 3 * t * d_model * d_model,
        "scores Q Kᵀ": num_heads * t * t * d_k,
        "weights V": num_heads * t * t * d_k,
        "output projection W_O": t * d_model * d_model,
    }
    steps["total"] = sum(steps.values())
    return steps
