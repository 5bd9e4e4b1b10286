"""The encoder (인코더): self-attention, add & norm, feed-forward, add & norm; and a stack of N."""

from __future__ import annotations

import numpy as np

from .attention import MultiHeadAttention
from .config import LayerConfig, check_final_norm, check_layer_config, check_layer_count
from .dropout import Dropout
from .feed_forward import FeedForward
from .layer_norm import LayerNorm
from .module import Module, ModuleList
from .validation import check_array


class EncoderLayer(Module):
    """One encoder layer.

    Post-norm (the paper and the source, ``norm_first=False``)::

        h = LayerNorm(x + Dropout(SelfAttention(x)));  out = LayerNorm(h + Dropout(FFN(h)))

    Pre-norm (``norm_first=True``, used by many later models)::

        h = x + Dropout(SelfAttention(LayerNorm(x)));  out = h + Dropout(FFN(LayerNorm(h)))

    Dropout (children ``dropout1``, ``dropout2``, probability ``config.dropout``) acts only in
    training mode; with p = 0 (the default) or in evaluation mode it passes its input through.

    Sizes and switches come from a `LayerConfig`: ``EncoderLayer(LayerConfig(d_model=6,
    num_heads=2, d_ff=24), rng)``. Shapes: x (B, T, d_model) -> out (B, T, d_model). Trace: ``attention_sum`` (x plus the
    attention output), ``add_norm_1``, ``ffn_sum``, ``output``; children ``self_attn``, ``norm1``,
    ``ffn``, ``norm2`` trace their own steps.
    """

    def __init__(self, config: LayerConfig, rng: np.random.Generator):
        super().__init__()
        self.config = c = check_layer_config(config)
        self.norm_first = c.norm_first
        self.add_module("self_attn", MultiHeadAttention(c.d_model, c.num_heads, rng, c.dtype, c.attention_scale,
                                                            c.dropout))
        self.add_module("norm1", LayerNorm(c.d_model, c.layer_norm_eps, c.dtype))
        self.add_module("ffn", FeedForward(c.d_model, c.d_ff, rng, c.dtype))
        self.add_module("norm2", LayerNorm(c.d_model, c.layer_norm_eps, c.dtype))
        self.add_module("dropout1", Dropout(c.dropout, rng))
        self.add_module("dropout2", Dropout(c.dropout, rng))

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """x (B, T, d_model), mask broadcasting to (B, h, T, T) (True = masked) -> (B, T, d_model)."""
        x = check_array(x, "x", ndim=3, shape=(None, None, self.self_attn.d_model))
        if self.norm_first:
            n1 = self.norm1.forward(x)
            h = x + self.dropout1.forward(self.self_attn.forward(n1, n1, mask))
            out = h + self.dropout2.forward(self.ffn.forward(self.norm2.forward(h)))
            self._trace = {"attention_sum": h, "add_norm_1": h, "ffn_sum": out, "output": out}
        else:
            s1 = x + self.dropout1.forward(self.self_attn.forward(x, x, mask))
            h = self.norm1.forward(s1)
            s2 = h + self.dropout2.forward(self.ffn.forward(h))
            out = self.norm2.forward(s2)
            self._trace = {"attention_sum": s1, "add_norm_1": h, "ffn_sum": s2, "output": out}
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (B, T, d_model) -> dx (B, T, d_model). Each residual branch adds its gradient."""
        if self.norm_first:
            dh = dout + self.norm2.backward(self.ffn.backward(self.dropout2.backward(dout)))
            dq, dkv = self.self_attn.backward(self.dropout1.backward(dh))
            return dh + self.norm1.backward(dq + dkv)
        ds2 = self.norm2.backward(dout)
        dh = ds2 + self.ffn.backward(self.dropout2.backward(ds2))
        ds1 = self.norm1.backward(dh)
        dq, dkv = self.self_attn.backward(self.dropout1.backward(ds1))
        return ds1 + dq + dkv


class Encoder(Module):
    """A stack of `num_layers` encoder layers of one `config`, each feeding the next:
    x (B, T, d_model) -> memory (B, T, d_model). Children ``layers.0`` ...

    `final_norm` (default: ``config.norm_first``) adds one more LayerNorm, ``norm``, after the
    last layer, where ``torch.nn.TransformerEncoder(norm=...)`` puts it. A pre-norm stack needs
    it: each of its layers adds to the residual sum without normalising it, so without a last
    norm its output is an unnormalised sum that grows with every layer. A post-norm layer
    already ends with a norm."""

    def __init__(self, num_layers: int, config: LayerConfig, rng: np.random.Generator,
                 final_norm: bool | None = None):
        super().__init__()
        check_layer_count(num_layers)
        self.config = check_layer_config(config)
        self.final_norm = check_final_norm(final_norm, self.config)
        self.add_module("layers", ModuleList([EncoderLayer(self.config, rng) for _ in range(num_layers)]))
        if self.final_norm:
            self.add_module("norm", LayerNorm(self.config.d_model, self.config.layer_norm_eps, self.config.dtype))

    def forward(self, x: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """x (B, T, d_model) -> encoder output, the decoder's "memory" (B, T, d_model)."""
        for layer in self.layers:
            x = layer.forward(x, mask)
        return self.norm.forward(x) if self.final_norm else x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (B, T, d_model) -> dx (B, T, d_model)."""
        if self.final_norm:
            dout = self.norm.backward(dout)
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout
