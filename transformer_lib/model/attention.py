"""Scaled dot-product attention and multi-head attention (멀티 헤드 어텐션), forward and backward."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from .dropout import Dropout
from .linear import Linear
from .masks import mask_scores
from .module import Module
from .softmax import softmax, softmax_backward
from .validation import check_array, check_divisible_heads, check_mask, check_positive_integer


def scaled_dot_product_attention(
    q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None, scale: float | None = None,
    steps: dict[str, np.ndarray] | None = None, dropout: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """softmax(q kᵀ * scale, masked) v. Returns ``(output, weights)``.

    q (..., Tq, d_k), k (..., Tk, d_k), v (..., Tk, d_v), mask broadcasting to (..., Tq, Tk) with
    True = masked out; scale defaults to 1 / sqrt(d_k). Output (..., Tq, d_v), weights (..., Tq, Tk).
    A query whose keys are all masked gets all-zero weights and a zero output. `dropout`, if
    given, is applied to the weights before they mix the values (the returned weights are those
    before it). A dict passed as `steps` receives the intermediate ``scores`` = q kᵀ,
    ``scaled_scores``, ``masked_scores`` and ``mixing_weights``, the weights that mixed the values.
    """
    if scale is None:
        scale = 1.0 / math.sqrt(q.shape[-1])
    scores = q @ k.swapaxes(-1, -2)
    scaled = scores * scale
    masked = mask_scores(scaled, mask)
    weights = softmax(masked)
    mixing = weights if dropout is None else dropout(weights)
    if steps is not None:
        steps.update(scores=scores, scaled_scores=scaled, masked_scores=masked, mixing_weights=mixing)
    return mixing @ v, weights


class MultiHeadAttention(Module):
    """Multi-head attention with four separate projections W_q, W_k, W_v, W_o (each d_model x
    d_model, with bias), as in the paper and the source document.

    The projected Q, K, V are split into `num_heads` heads of width d_k = d_model / num_heads;
    each head attends on its own; the heads are concatenated and mixed by W_o. For
    self-attention pass the same array as `query` and `key_value`; for cross-attention
    (encoder-decoder attention) `query` comes from the decoder and `key_value` from the encoder.

    ``scale="d_k"`` divides the scores by sqrt(d_k) (the paper); ``scale="d_model"`` by
    sqrt(d_model) (the source document). They agree when there is one head. With `dropout` > 0,
    in training mode, the weights pass through `Dropout` (child ``dropout``) before they mix the
    values, as in ``torch.nn.MultiheadAttention``.

    Trace, per head (shapes with B batch, h heads, Tq queries, Tk keys):
    ``Q`` (B, h, Tq, d_k), ``K`` and ``V`` (B, h, Tk, d_k), ``scores`` = Q Kᵀ (B, h, Tq, Tk),
    ``scaled_scores``, ``masked_scores`` (-inf where masked), ``weights`` (softmax, rows sum
    to 1), ``head_outputs`` (B, h, Tq, d_k), ``concat`` (B, Tq, d_model), ``output`` (B, Tq, d_model);
    while dropout is at work, also ``dropped_weights`` (B, h, Tq, Tk), what mixes the values.
    """

    # `override` may also replace the softmax's backward, called as self.softmax_backward(dout, probs).
    overridable = ("forward", "backward", "softmax_backward")
    softmax_backward = staticmethod(softmax_backward)

    def __init__(self, d_model: int, num_heads: int, rng: np.random.Generator, dtype=np.float64, scale: str = "d_k",
                 dropout: float = 0.0):
        super().__init__()
        check_positive_integer(d_model, "d_model")
        check_divisible_heads(d_model, num_heads)
        if scale not in ("d_k", "d_model"):
            raise ValueError(f"scale must be 'd_k' (the paper) or 'd_model' (the source), got {scale!r}")
        self.d_model, self.num_heads = d_model, num_heads
        self.d_k = d_model // num_heads
        self.scale = 1.0 / math.sqrt(self.d_k if scale == "d_k" else d_model)
        for name in ("w_q", "w_k", "w_v", "w_o"):
            self.add_module(name, Linear(d_model, d_model, rng, dtype))
        self.add_module("dropout", Dropout(dropout, rng))

    def _split_heads(self, x: np.ndarray) -> np.ndarray:
        b, t, _ = x.shape  # (B, T, d_model) -> (B, h, T, d_k)
        return x.reshape(b, t, self.num_heads, self.d_k).transpose(0, 2, 1, 3)

    def _merge_heads(self, x: np.ndarray) -> np.ndarray:
        b, _, t, _ = x.shape  # (B, h, T, d_k) -> (B, T, d_model)
        return x.transpose(0, 2, 1, 3).reshape(b, t, self.d_model)

    def _checked_mask(self, query: np.ndarray, key_value: np.ndarray, mask: np.ndarray | None) -> np.ndarray | None:
        """Check the inputs' shapes and return `mask` as a boolean array broadcasting to
        (B, h, Tq, Tk), or None."""
        check_array(query, "query", ndim=3, shape=(None, None, self.d_model))
        check_array(key_value, "key_value", ndim=3, shape=(query.shape[0], None, self.d_model))
        return check_mask(mask, "mask", (query.shape[0], self.num_heads, query.shape[1], key_value.shape[1]))

    def forward(self, query: np.ndarray, key_value: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """query (B, Tq, d_model), key_value (B, Tk, d_model), mask broadcasting to
        (B, h, Tq, Tk) with True = masked out -> output (B, Tq, d_model)."""
        mask = self._checked_mask(query, key_value, mask)

        Q = self._split_heads(self.w_q.forward(query))  # (B, h, Tq, d_k)
        K = self._split_heads(self.w_k.forward(key_value))  # (B, h, Tk, d_k)
        V = self._split_heads(self.w_v.forward(key_value))  # (B, h, Tk, d_k)
        steps = {}
        heads, weights = scaled_dot_product_attention(Q, K, V, mask, self.scale, steps,
                                                      dropout=self.dropout.forward)  # every head at once
        concat = self._merge_heads(heads)  # the heads side by side (B, Tq, d_model)
        out = self.w_o.forward(concat)

        dropped = steps.pop("mixing_weights")  # Dropout(weights); the weights themselves when it is off
        self._cache = (Q, K, V, weights, dropped)
        self._trace = {"Q": Q, "K": K, "V": V, **steps, "weights": weights, "head_outputs": heads,
                       "concat": concat, "output": out}
        if dropped is not weights:
            self._trace["dropped_weights"] = dropped
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """dout (B, Tq, d_model) -> (d_query (B, Tq, d_model), d_key_value (B, Tk, d_model)).
        For self-attention the input gradient is their sum.

        Per head, with P the weights, D = Dropout(P) (D = P without dropout) and H = D V its
        output: dD = dH Vᵀ, dV = Dᵀ dH, dP through the dropout, the softmax's dS, then
        S = Q Kᵀ * scale gives dQ = dS K * scale and dK = dSᵀ Q * scale."""
        Q, K, V, P, D = self._cache
        dconcat = self.w_o.backward(dout)  # (B, Tq, d_model)
        dH = self._split_heads(dconcat)  # (B, h, Tq, d_k)
        dD, dV = dH @ V.swapaxes(-1, -2), D.swapaxes(-1, -2) @ dH
        dP = self.dropout.backward(dD)
        dS = self.softmax_backward(dP, P)  # masked keys have P = 0, so their dS is 0
        dQ = dS @ K * self.scale
        dK = dS.swapaxes(-1, -2) @ Q * self.scale
        d_query = self.w_q.backward(self._merge_heads(dQ))
        d_key_value = self.w_k.backward(self._merge_heads(dK)) + self.w_v.backward(self._merge_heads(dV))
        return d_query, d_key_value
