"""The decoder (디코더): masked self-attention, encoder-decoder (cross) attention and a
feed-forward network, each followed by add & norm; and a stack of N."""

from __future__ import annotations

import numpy as np

from .attention import MultiHeadAttention
from .config import LayerConfig, check_final_norm, check_layer_config, check_layer_count
from .dropout import Dropout
from .feed_forward import FeedForward
from .layer_norm import LayerNorm
from .module import Module, ModuleList
from .validation import check_array


class DecoderLayer(Module):
    """One decoder layer.

    Post-norm (the paper, ``norm_first=False``)::

        h1 = LayerNorm(y + Dropout(MaskedSelfAttention(y)))
        h2 = LayerNorm(h1 + Dropout(CrossAttention(query=h1, key_value=memory)))
        out = LayerNorm(h2 + Dropout(FFN(h2)))

    Pre-norm (``norm_first=True``) moves each LayerNorm onto the branch input, as in
    ``EncoderLayer``. Sizes and switches come from a `LayerConfig`. Dropout (children
    ``dropout1`` to ``dropout3``) acts only in training mode with ``config.dropout`` > 0.
    Shapes: y (B, Tt, d_model), memory (B, Ts, d_model) -> (B, Tt, d_model).
    Trace: ``self_attention_sum``, ``add_norm_1``, ``cross_attention_sum``, ``add_norm_2``,
    ``ffn_sum``, ``output``.
    """

    def __init__(self, config: LayerConfig, rng: np.random.Generator):
        super().__init__()
        self.config = c = check_layer_config(config)
        self.norm_first = c.norm_first
        self.add_module("self_attn", MultiHeadAttention(c.d_model, c.num_heads, rng, c.dtype, c.attention_scale,
                                                             c.dropout))
        self.add_module("norm1", LayerNorm(c.d_model, c.layer_norm_eps, c.dtype))
        self.add_module("cross_attn", MultiHeadAttention(c.d_model, c.num_heads, rng, c.dtype, c.attention_scale,
                                                             c.dropout))
        self.add_module("norm2", LayerNorm(c.d_model, c.layer_norm_eps, c.dtype))
        self.add_module("ffn", FeedForward(c.d_model, c.d_ff, rng, c.dtype))
        self.add_module("norm3", LayerNorm(c.d_model, c.layer_norm_eps, c.dtype))
        for name in ("dropout1", "dropout2", "dropout3"):
            self.add_module(name, Dropout(c.dropout, rng))

    def forward(self, y: np.ndarray, memory: np.ndarray, self_mask: np.ndarray | None = None,
                memory_mask: np.ndarray | None = None) -> np.ndarray:
        """y (B, Tt, d_model) the embedded target so far, memory (B, Ts, d_model) the encoder
        output; self_mask broadcasting to (B, h, Tt, Tt) (causal, plus target padding) and
        memory_mask to (B, h, Tt, Ts) (source padding); True = masked out."""
        d_model = self.self_attn.d_model
        y = check_array(y, "y", ndim=3, shape=(None, None, d_model))
        memory = check_array(memory, "memory", ndim=3, shape=(y.shape[0], None, d_model))
        if self.norm_first:
            n1 = self.norm1.forward(y)
            h1 = y + self.dropout1.forward(self.self_attn.forward(n1, n1, self_mask))
            h2 = h1 + self.dropout2.forward(self.cross_attn.forward(self.norm2.forward(h1), memory, memory_mask))
            out = h2 + self.dropout3.forward(self.ffn.forward(self.norm3.forward(h2)))
            sums = (h1, h1, h2, h2, out)
        else:
            s1 = y + self.dropout1.forward(self.self_attn.forward(y, y, self_mask))
            h1 = self.norm1.forward(s1)
            s2 = h1 + self.dropout2.forward(self.cross_attn.forward(h1, memory, memory_mask))
            h2 = self.norm2.forward(s2)
            s3 = h2 + self.dropout3.forward(self.ffn.forward(h2))
            out = self.norm3.forward(s3)
            sums = (s1, h1, s2, h2, s3)
        names = ("self_attention_sum", "add_norm_1", "cross_attention_sum", "add_norm_2", "ffn_sum")
        self._trace = dict(zip(names, sums, strict=True)) | {"output": out}
        return out

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """dout (B, Tt, d_model) -> (dy (B, Tt, d_model), d_memory (B, Ts, d_model))."""
        if self.norm_first:
            dh2 = dout + self.norm3.backward(self.ffn.backward(self.dropout3.backward(dout)))
            dq, d_memory = self.cross_attn.backward(self.dropout2.backward(dh2))
            dh1 = dh2 + self.norm2.backward(dq)
            dq, dkv = self.self_attn.backward(self.dropout1.backward(dh1))
            return dh1 + self.norm1.backward(dq + dkv), d_memory
        ds3 = self.norm3.backward(dout)
        dh2 = ds3 + self.ffn.backward(self.dropout3.backward(ds3))
        ds2 = self.norm2.backward(dh2)
        dq, d_memory = self.cross_attn.backward(self.dropout2.backward(ds2))
        ds1 = self.norm1.backward(ds2 + dq)
        dq, dkv = self.self_attn.backward(self.dropout1.backward(ds1))
        return ds1 + dq + dkv, d_memory


class Decoder(Module):
    """A stack of `num_layers` decoder layers of one `config`; every layer attends to the same
    encoder memory: y (B, Tt, d_model), memory (B, Ts, d_model) -> (B, Tt, d_model).
    Children ``layers.0`` ...

    `final_norm` (default: ``config.norm_first``) adds one more LayerNorm, ``norm``, after the
    last layer, where ``torch.nn.TransformerDecoder(norm=...)`` puts it (see `Encoder`)."""

    def __init__(self, num_layers: int, config: LayerConfig, rng: np.random.Generator,
                 final_norm: bool | None = None):
        super().__init__()
        check_layer_count(num_layers)
        self.config = check_layer_config(config)
        self.final_norm = check_final_norm(final_norm, self.config)
        self.add_module("layers", ModuleList([DecoderLayer(self.config, rng) for _ in range(num_layers)]))
        if self.final_norm:
            self.add_module("norm", LayerNorm(self.config.d_model, self.config.layer_norm_eps, self.config.dtype))

    def forward(self, y: np.ndarray, memory: np.ndarray, self_mask: np.ndarray | None = None,
                memory_mask: np.ndarray | None = None) -> np.ndarray:
        """y (B, Tt, d_model), memory (B, Ts, d_model) -> (B, Tt, d_model)."""
        for layer in self.layers:
            y = layer.forward(y, memory, self_mask, memory_mask)
        return self.norm.forward(y) if self.final_norm else y

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """dout (B, Tt, d_model) -> (dy, d_memory); d_memory sums over the layers."""
        if self.final_norm:
            dout = self.norm.backward(dout)
        d_memory = 0.0
        for layer in reversed(self.layers):
            dout, dm = layer.backward(dout)
            d_memory = d_memory + dm
        return dout, d_memory
