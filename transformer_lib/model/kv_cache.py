"""The key/value cache (KV 캐시): decoding one position at a time without recomputing the past.

When the decoder writes token t, the causal mask guarantees that no position before t ever sees
a position after it: the keys and values that self-attention computed for positions 0 .. t-1
are the same at every later step. So each step needs only the new position's query, key and
value; the earlier keys and values are kept and the new ones appended. Cross-attention's keys
and values come from the encoder output alone: they are computed once per source sentence.

`IncrementalDecoder` runs the model's own decoder layers this way, reading their weights
(nothing is copied or re-implemented but the order of the steps): the same logits as the full
decoder on the whole prefix, at a cost per step that grows with the prefix, not its square.
It computes what the model computes in evaluation mode: decoding draws no dropout masks.
"""

from __future__ import annotations

import numpy as np

from .attention import MultiHeadAttention, scaled_dot_product_attention
from .decoder import DecoderLayer
from .transformer import Transformer
from .validation import as_token_ids


class LayerCache:
    """What one decoder layer keeps between steps, per sequence of the batch.

    ``keys`` and ``values`` (B, h, capacity, d_k): self-attention's K and V of positions
    0 .. length-1 (the rest is unused room); ``memory_keys`` and ``memory_values``
    (B, h, Ts, d_k): cross-attention's K and V of the encoder output, computed once."""

    def __init__(self, keys: np.ndarray, values: np.ndarray, memory_keys: np.ndarray, memory_values: np.ndarray):
        self.keys, self.values = keys, values
        self.memory_keys, self.memory_values = memory_keys, memory_values

    def select(self, rows: np.ndarray) -> LayerCache:
        """The cache of the sequences `rows` (N,), in that order (a row may repeat)."""
        return LayerCache(self.keys[rows], self.values[rows], self.memory_keys[rows], self.memory_values[rows])


def split_heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    """(B, T, d_model) -> (B, h, T, d_k): each head's slice of the features."""
    b, t, d = x.shape
    return x.reshape(b, t, num_heads, d // num_heads).transpose(0, 2, 1, 3)


def merge_heads(x: np.ndarray) -> np.ndarray:
    """(B, h, T, d_k) -> (B, T, h * d_k): the heads side by side."""
    b, h, t, d_k = x.shape
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * d_k)


def cached_attention(attn: MultiHeadAttention, query: np.ndarray, keys: np.ndarray, values: np.ndarray,
                     key_padding: np.ndarray | None) -> np.ndarray:
    """Multi-head attention of new positions over keys and values already projected and split.

    query (B, Tq, d_model) (not yet projected), keys and values (B, h, Tk, d_k),
    key_padding (B, Tk) bool or None (True = masked out) -> output (B, Tq, d_model)."""
    q = split_heads(attn.w_q.forward(query), attn.num_heads)  # (B, h, Tq, d_k)
    mask = None if key_padding is None or not key_padding.any() else key_padding[:, None, None, :]
    heads, _ = scaled_dot_product_attention(q, keys, values, mask, attn.scale)
    return attn.w_o.forward(merge_heads(heads))


def project_keys_values(attn: MultiHeadAttention, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x (B, T, d_model) -> its keys and values (B, h, T, d_k) each, through W_k and W_v."""
    return split_heads(attn.w_k.forward(x), attn.num_heads), split_heads(attn.w_v.forward(x), attn.num_heads)


def decoder_layer_step(layer: DecoderLayer, x: np.ndarray, cache: LayerCache, position: int,
                       self_padding: np.ndarray | None, memory_padding: np.ndarray | None) -> np.ndarray:
    """`DecoderLayer.forward` for the one new position `position` of every sequence.

    x (B, 1, d_model) the layer's input at that position; the new key and value are written into
    `cache` at `position`, and attention reads positions 0 .. position. self_padding
    (B, position + 1) and memory_padding (B, Ts) bool or None, True = masked out.
    Returns (B, 1, d_model), the layer's output at that position."""
    def self_attention(h):  # h (B, 1, d_model): the new position's input to self-attention
        k, v = project_keys_values(layer.self_attn, h)
        cache.keys[:, :, position] = k[:, :, 0]
        cache.values[:, :, position] = v[:, :, 0]
        seen = slice(0, position + 1)
        return cached_attention(layer.self_attn, h, cache.keys[:, :, seen], cache.values[:, :, seen], self_padding)

    def cross_attention(h):
        return cached_attention(layer.cross_attn, h, cache.memory_keys, cache.memory_values, memory_padding)

    if layer.norm_first:
        h1 = x + self_attention(layer.norm1.forward(x))
        h2 = h1 + cross_attention(layer.norm2.forward(h1))
        return h2 + layer.ffn.forward(layer.norm3.forward(h2))
    h1 = layer.norm1.forward(x + self_attention(x))
    h2 = layer.norm2.forward(h1 + cross_attention(h1))
    return layer.norm3.forward(h2 + layer.ffn.forward(h2))


class IncrementalDecoder:
    """Decode with a KV cache: the encoder runs once, then each `step` feeds one new token per
    sequence and returns the logits of that position only.

    src (B, Ts) source ids; `src_padding` (B, Ts) bool, True at padding (built from the model's
    ``pad_id`` when None). `capacity` is the most positions the cache holds (default: the
    positional-encoding table's ``max_len``). After n steps, the logits of step t equal
    ``model.decode(tokens[:, :t+1], memory)[:, t]`` (the tokens fed so far, no target padding
    unless a step marks it).

    Attributes: ``memory`` (B, Ts, d_model), ``layers`` (one `LayerCache` per decoder layer),
    ``length`` (positions decoded so far), ``tokens`` (B, length) the ids fed so far."""

    def __init__(self, model: Transformer, src, src_padding: np.ndarray | None = None,
                 capacity: int | None = None):
        if not isinstance(model, Transformer):
            raise TypeError(f"model must be a Transformer, got {type(model).__name__}")
        config = model.config
        src = model.check_tokens(src, "src")
        capacity = config.max_len if capacity is None else capacity
        if not isinstance(capacity, (int, np.integer)) or not 1 <= capacity <= config.max_len:
            raise ValueError(f"capacity must be an integer in [1, {config.max_len}] (the positional-encoding "
                             f"table has {config.max_len} rows), got {capacity!r}")
        self.model, self.capacity = model, int(capacity)
        self.memory = model.encode(src, src_padding)  # (B, Ts, d_model): the encoder runs once; checks src_padding
        self.src_padding = model.padding_mask(src) if src_padding is None else np.asarray(src_padding)
        batch = src.shape[0]
        self.layers = []
        for layer in model.decoder.layers:
            attn = layer.self_attn
            room = np.zeros((batch, attn.num_heads, self.capacity, attn.d_k), dtype=self.memory.dtype)
            self.layers.append(LayerCache(room, room.copy(), *project_keys_values(layer.cross_attn, self.memory)))
        self.tokens = np.zeros((batch, 0), dtype=np.int64)
        self.target_padding = np.zeros((batch, 0), dtype=bool)

    @property
    def batch_size(self) -> int:
        return self.tokens.shape[0]

    @property
    def length(self) -> int:
        return self.tokens.shape[1]

    def step(self, tokens, padding: np.ndarray | None = None) -> np.ndarray:
        """Feed one token per sequence at the next position -> that position's logits (B, V).

        tokens (B,) ids; `padding` (B,) bool marks sequences whose new position is padding:
        later positions do not attend to it (as ``tgt_padding`` in `Transformer.decode`). A
        generated id is never taken for padding by its value."""
        config = self.model.config
        tokens = as_token_ids(tokens, config.tgt_vocab_size, "tokens")
        if tokens.shape != (self.batch_size,):
            raise ValueError(f"tokens has shape {tokens.shape}, expected ({self.batch_size},): one id per sequence")
        padding = np.zeros(self.batch_size, dtype=bool) if padding is None else np.asarray(padding)
        if padding.dtype != bool or padding.shape != (self.batch_size,):
            raise ValueError(f"padding must be a bool array of shape ({self.batch_size},), "
                             f"got {padding.dtype} {padding.shape}")
        t = self.length
        if t >= self.capacity:
            raise ValueError(f"cannot decode position {t}: the cache holds capacity={self.capacity} positions "
                             f"(at most the positional-encoding table's max_len={config.max_len} rows)")
        self.tokens = np.concatenate([self.tokens, tokens[:, None]], axis=1)
        self.target_padding = np.concatenate([self.target_padding, padding[:, None]], axis=1)
        y = self.model.tgt_embed.forward(tokens[:, None]) + self.model.pe[t]  # (B, 1, d_model)
        for layer, cache in zip(self.model.decoder.layers, self.layers, strict=True):
            y = decoder_layer_step(layer, y, cache, t, self.target_padding, self.src_padding)
        if self.model.decoder.final_norm:
            y = self.model.decoder.norm.forward(y)
        return self.model.generator.forward(y)[:, 0]  # (B, V)

    def select(self, rows) -> None:
        """Keep the sequences `rows` (N,) in that order, a row possibly repeated: beam search
        continues the prefixes it kept, each from its parent's cache."""
        rows = np.asarray(rows)
        if rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer) or (
                rows.size and (rows.min() < 0 or rows.max() >= self.batch_size)):
            raise ValueError(f"rows must be a 1-D array of row indices in [0, {self.batch_size - 1}], got {rows!r}")
        self.layers = [cache.select(rows) for cache in self.layers]
        self.memory, self.tokens = self.memory[rows], self.tokens[rows]
        self.target_padding = self.target_padding[rows]
        if self.src_padding is not None:
            self.src_padding = self.src_padding[rows]
