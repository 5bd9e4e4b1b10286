"""Deep stacks of encoder layers with and without the residual connections (잔차 연결), and
the size of the gradient that reaches the stack's input.

Without the residual path a layer's input gradient must pass through every sub-layer; with it,
each layer adds an identity path (dx = dout + branch gradient), so the gradient can skip the
branches. `NoResidualEncoderLayer` is `EncoderLayer` with the two additions removed."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..model.config import LayerConfig
from ..model.encoder import EncoderLayer


class NoResidualEncoderLayer(EncoderLayer):
    """An encoder layer without its skip connections, for comparison only.

    Post-norm: ``h = LayerNorm(SelfAttention(x)); out = LayerNorm(FFN(h))``.
    Pre-norm (``norm_first=True``): ``h = SelfAttention(LayerNorm(x)); out = FFN(LayerNorm(h))``.
    Same parameters, shapes and trace names as `EncoderLayer` (the "sums" are now just the
    branch outputs)."""

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """x (B, T, d_model) -> (B, T, d_model)."""
        if self.norm_first:
            n1 = self.norm1.forward(x)
            h = self.self_attn.forward(n1, n1, mask)
            out = self.ffn.forward(self.norm2.forward(h))
            self._trace = {"attention_sum": h, "add_norm_1": h, "ffn_sum": out, "output": out}
        else:
            s1 = self.self_attn.forward(x, x, mask)
            h = self.norm1.forward(s1)
            s2 = self.ffn.forward(h)
            out = self.norm2.forward(s2)
            self._trace = {"attention_sum": s1, "add_norm_1": h, "ffn_sum": s2, "output": out}
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (B, T, d_model) -> dx (B, T, d_model): one path only, through every sub-layer."""
        if self.norm_first:
            dh = self.norm2.backward(self.ffn.backward(dout))
            dq, dkv = self.self_attn.backward(dh)
            return self.norm1.backward(dq + dkv)
        dh = self.ffn.backward(self.norm2.backward(dout))
        dq, dkv = self.self_attn.backward(self.norm1.backward(dh))
        return dq + dkv


def build_stack(num_layers: int, config: LayerConfig, rng: np.random.Generator,
                residual: bool = True) -> list[EncoderLayer]:
    """`num_layers` encoder layers of `config` drawn from `rng`, with or without residual connections."""
    cls = EncoderLayer if residual else NoResidualEncoderLayer
    return [cls(config, rng) for _ in range(num_layers)]


def input_gradient_norms(x: np.ndarray, max_layers: int = 24, residual: bool = True, norm_first: bool = False,
                         num_heads: int = 2, d_ff: int | None = None, seeds: Iterable[int] = range(5)) -> np.ndarray:
    """Size of the gradient at the input of stacks of 1, 2, ..., `max_layers` encoder layers.

    x (1, T, d_model) is the stack's input. For each seed a stack of `max_layers` layers is
    drawn, and a unit-length random gradient g is sent back from the output of its first L
    layers: the entry L - 1 of the result is ||dx|| = ||J_1ᵀ ... J_Lᵀ g||, the geometric mean
    over the seeds. Every depth travels through the stack at once, as one row of a batch of
    `max_layers` copies of x: the first L layers see the same inputs whatever comes after them,
    and a backward pass is linear in the gradient it is given, so row L - 1 starts as zeros,
    becomes g at the output of layer L, and leaves layer 1 as J_1ᵀ ... J_Lᵀ g. One forward and
    one backward pass per seed instead of one backward pass per depth. Returns an array of
    shape (max_layers,)."""
    d_model = x.shape[-1]
    config = LayerConfig(d_model=d_model, num_heads=num_heads, d_ff=4 * d_model if d_ff is None else d_ff,
                         norm_first=norm_first)
    log_norms = []
    for seed in seeds:
        rng = np.random.default_rng(seed)
        layers = build_stack(max_layers, config, rng, residual)
        g = rng.standard_normal(x.shape)
        g /= np.linalg.norm(g)
        h = np.repeat(x, max_layers, axis=0)  # (max_layers, T, d_model): row L - 1 serves depth L
        for layer in layers:  # caches every layer's forward once
            h = layer.forward(h)
        d = np.zeros_like(h)
        for depth in range(max_layers, 0, -1):
            d[depth - 1] = g[0]  # depth L's gradient enters at the output of layer L
            d = layers[depth - 1].backward(d)
        log_norms.append(np.log(np.linalg.norm(d.reshape(max_layers, -1), axis=1)))
    return np.exp(np.mean(log_norms, axis=0))
