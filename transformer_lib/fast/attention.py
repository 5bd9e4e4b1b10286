"""`FastMultiHeadAttention`: multi-head attention with Q, K and V projected by one product, the
heads' products written straight into the merged layout, the Q, K and V weight gradients from
one product, the key and value input gradients from one product, and the per-sequence work (the
heads' small products, masking, softmax and its backward) over blocks of sequences in parallel."""

from __future__ import annotations

import numpy as np

from ..model.attention import MultiHeadAttention
from .linear import add_weight_gradients, input_gradient, project_together
from .masks import score_offsets
from .parallel import split_rows
from .softmax import softmax, softmax_backward


class FastMultiHeadAttention(MultiHeadAttention):
    """`MultiHeadAttention` with the same parameters, trace and numbers (up to rounding).

    Forward: Q, K and V projected by one product (`project_together`; for cross-attention one
    for Q and one for K and V); the scores, their scaling, masking and softmax computed sequence
    block by sequence block, the blocks in parallel (`split_rows`); the heads' outputs weights @ V
    written into their columns of the concatenation (no separate merge). Backward: dQ, dK and
    dV are written, head by head, side by side into one (B, T, 3 d_model) array in the layout
    the projections produced them, so that one product xᵀ [dQ | dK | dV] gives the three weight
    gradients (self-attention; for cross-attention one for Q and one for K and V) and one
    product [dK | dV] [W_k | W_v]ᵀ the key-value input gradient."""

    def _matmul_merged(self, a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``_merge_heads(a @ b)`` for a (B, h, T, n) and b (B, h, n, d_k): each head's product
        is written straight into its columns of the (B, T, d_model) result, saving the copy.
        `out` may give that result, also as a view into wider rows (splitting the last axis of a
        3-D array into heads is always a view, so the product lands in `out`)."""
        if out is None:
            out = np.empty((a.shape[0], a.shape[2], self.d_model), dtype=np.result_type(a, b))
        heads = self._split_heads(out)
        split_rows(lambda start, stop: np.matmul(a[start:stop], b[start:stop], out=heads[start:stop]),
                   len(heads), heads.size)
        return out

    def forward(self, query: np.ndarray, key_value: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """query (B, Tq, d_model), key_value (B, Tk, d_model), mask broadcasting to
        (B, h, Tq, Tk) with True = masked out -> output (B, Tq, d_model)."""
        mask = self._checked_mask(query, key_value, mask)

        d = self.d_model
        if query is key_value:  # self-attention: Q, K and V from one product
            qkv = project_together((self.w_q, self.w_k, self.w_v), query)
            q_out, kv = qkv[..., :d], qkv[..., d:]
        else:
            q_out, kv = self.w_q.forward(query), project_together((self.w_k, self.w_v), key_value)
        q, k, v = self._split_heads(q_out), self._split_heads(kv[..., :d]), self._split_heads(kv[..., d:])
        scores = np.empty((*q.shape[:3], k.shape[2]), dtype=np.result_type(q, k))  # (B, h, Tq, Tk)
        scaled = np.empty_like(scores)
        masked = scaled if mask is None else np.empty_like(scores)
        weights = np.empty_like(scores)
        offsets = None if mask is None else np.broadcast_to(score_offsets(mask, scores.dtype), scores.shape)

        def scores_to_weights(start: int, stop: int) -> None:  # for sequences start .. stop
            seqs = slice(start, stop)
            np.matmul(q[seqs], k[seqs].swapaxes(-1, -2), out=scores[seqs])
            np.multiply(scores[seqs], self.scale, out=scaled[seqs])
            if offsets is not None:
                np.add(scaled[seqs], offsets[seqs], out=masked[seqs])
            softmax(masked[seqs], out=weights[seqs])

        split_rows(scores_to_weights, len(scores), scores.size)
        dropped = self.dropout.forward(weights)  # the weights themselves when dropout is off
        concat = self._matmul_merged(dropped, v)  # the heads side by side (B, Tq, d_model)
        heads = self._split_heads(concat)  # each head's output dropped @ V (B, h, Tq, d_k)
        out = self.w_o.forward(concat)

        self._cache = (q, k, v, weights, dropped)
        self._trace = {
            "Q": q, "K": k, "V": v, "scores": scores, "scaled_scores": scaled,
            "masked_scores": masked, "weights": weights, "head_outputs": heads,
            "concat": concat, "output": out,
        }
        if dropped is not weights:
            self._trace["dropped_weights"] = dropped
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """dout (B, Tq, d_model) -> (d_query (B, Tq, d_model), d_key_value (B, Tk, d_model)).
        For self-attention the input gradient is their sum."""
        q, k, v, weights, dropped = self._cache
        batch, _, tq, _ = q.shape
        tk, d = k.shape[2], self.d_model
        self_attention = self.w_k._cache is self.w_q._cache  # Q, K and V projected one input
        dheads = self._split_heads(self.w_o.backward(dout))  # (B, h, Tq, d_k)
        dweights = np.empty_like(weights)  # (B, h, Tq, Tk)
        split_rows(lambda start, stop: np.matmul(dheads[start:stop], v[start:stop].swapaxes(-1, -2),
                                                 out=dweights[start:stop]), batch, dweights.size)
        dweights = self.dropout.backward(dweights)  # a new array when dropout is on
        # Masked entries have weight exactly 0, so the softmax's backward gives them gradient 0.
        if "softmax_backward" in self.__dict__:  # replaced through `override`: called as given
            dscores = self.softmax_backward(dweights, weights)
            dscores *= self.scale
        else:
            dscores = dweights

            def through_softmax(start: int, stop: int) -> None:  # in place, for sequences start .. stop
                seqs = slice(start, stop)
                softmax_backward(dweights[seqs], weights[seqs], out=dscores[seqs])
                dscores[seqs] *= self.scale

            split_rows(through_softmax, batch, dscores.size)
        # dQ, dK, dV side by side in the layout the projections produced them (B, T, d_model) each.
        if self_attention:
            d_qkv = np.empty((batch, tk, 3 * d), dtype=dscores.dtype)
            dq, d_kv = d_qkv[..., :d], d_qkv[..., d:]
        else:
            dq, d_kv = np.empty((batch, tq, d), dtype=dscores.dtype), np.empty((batch, tk, 2 * d), dtype=dscores.dtype)
        self._matmul_merged(dscores, k, out=dq)  # dQ = dscores K
        self._matmul_merged(dscores.swapaxes(-1, -2), q, out=d_kv[..., :d])  # dK = dscoresᵀ Q
        self._matmul_merged(dropped.swapaxes(-1, -2), dheads, out=d_kv[..., d:])  # dV = droppedᵀ dheads
        if self_attention:
            add_weight_gradients((self.w_q, self.w_k, self.w_v), d_qkv)
        else:
            add_weight_gradients((self.w_q,), dq)
            add_weight_gradients((self.w_k, self.w_v), d_kv)
        d_query = input_gradient((self.w_q,), dq)
        d_key_value = input_gradient((self.w_k, self.w_v), d_kv)
        return d_query, d_key_value
