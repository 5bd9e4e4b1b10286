"""The whole encoder-decoder Transformer: embeddings plus positional encoding, encoder, decoder,
and the output projection to the vocabulary."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .decoder import Decoder
from .embedding import Embedding
from .encoder import Encoder
from .linear import Linear
from .masks import attention_mask, padding_mask
from .module import Module
from .positional_encoding import sinusoidal_positional_encoding
from .validation import as_token_ids, check_array, checked_at_the_boundary


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes and switches of a Transformer. Defaults follow the paper where it and the source
    document differ; the source's choices are ``attention_scale="d_model"`` and
    ``embed_scale=False``.

    pad_id: token id of padding; when set, padding masks are built from the tokens.
    """

    src_vocab_size: int = 11
    tgt_vocab_size: int = 11
    d_model: int = 6
    num_heads: int = 2
    d_ff: int = 24
    num_encoder_layers: int = 1
    num_decoder_layers: int = 1
    max_len: int = 64
    norm_first: bool = False
    attention_scale: str = "d_k"
    embed_scale: bool = True
    layer_norm_eps: float = 1e-5
    pad_id: int | None = None
    dtype: str = "float64"

    def __post_init__(self):
        for name in ("src_vocab_size", "tgt_vocab_size", "d_model", "num_heads", "d_ff", "max_len"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("num_encoder_layers", "num_decoder_layers"):
            value = getattr(self, name)
            if not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        if self.d_model % self.num_heads:
            raise ValueError(
                f"d_model ({self.d_model}) must be divisible by num_heads ({self.num_heads}): "
                "each head gets d_model / num_heads features"
            )
        if self.dtype not in ("float64", "float32"):
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")


class Transformer(Module):
    """Encoder-decoder Transformer ("Attention Is All You Need", 2017).

    Children: ``src_embed``, ``tgt_embed`` (Embedding), ``encoder``, ``decoder``, ``generator``
    (Linear d_model -> tgt_vocab_size). The positional-encoding table ``pe`` (max_len, d_model)
    is a constant, not a parameter. Weights are drawn deterministically from `seed`.

    Trace (besides every child's): ``src_embedding``, ``src_input`` (embedding + PE),
    ``tgt_embedding``, ``tgt_input``, ``memory``, ``decoder_output``, ``logits``.
    """

    def __init__(self, config: TransformerConfig, seed: int = 0):
        super().__init__()
        self.config = c = config
        dtype = np.dtype(c.dtype)
        rng = np.random.default_rng(seed)
        layer_args = dict(dtype=dtype, norm_first=c.norm_first, scale=c.attention_scale, eps=c.layer_norm_eps)
        self.add_module("src_embed", Embedding(c.src_vocab_size, c.d_model, rng, dtype, c.embed_scale))
        self.add_module("tgt_embed", Embedding(c.tgt_vocab_size, c.d_model, rng, dtype, c.embed_scale))
        self.add_module("encoder", Encoder(c.num_encoder_layers, c.d_model, c.num_heads, c.d_ff, rng, **layer_args))
        self.add_module("decoder", Decoder(c.num_decoder_layers, c.d_model, c.num_heads, c.d_ff, rng, **layer_args))
        self.add_module("generator", Linear(c.d_model, c.tgt_vocab_size, rng, dtype))
        self.pe = sinusoidal_positional_encoding(c.max_len, c.d_model, dtype=dtype)
        self.flatten_parameters()

    # -- pieces ---------------------------------------------------------------------------------
    def _token_batch(self, tokens, vocab_size: int, name: str) -> np.ndarray:
        """`tokens` as a (batch, seq) int64 array of ids in [0, vocab_size), or a clear error."""
        tokens = as_token_ids(tokens, vocab_size, name)
        if tokens.ndim != 2:
            raise ValueError(f"{name} must have shape (batch, seq), got shape {tokens.shape}")
        if tokens.shape[1] > self.config.max_len:
            raise ValueError(
                f"{name} has length {tokens.shape[1]}, longer than the positional-encoding table: "
                f"expected at most max_len={self.config.max_len} tokens"
            )
        return tokens

    def _embed(self, embed: Embedding, tokens: np.ndarray, name: str) -> np.ndarray:
        length = tokens.shape[1]
        emb = embed.forward(tokens)
        x = emb + self.pe[:length]
        self._trace[f"{name}_embedding"] = emb
        self._trace[f"{name}_input"] = x
        return x

    def _masks(self, src, tgt, src_padding, tgt_padding):
        """The padding masks (B, T) of `src` and `tgt` (either may be None): the given ones after
        a shape check, else built from ``config.pad_id`` (None without a pad id)."""
        pad = self.config.pad_id
        if src is not None and src_padding is None and pad is not None:
            src_padding = padding_mask(src, pad)
        if tgt is not None and tgt_padding is None and pad is not None:
            tgt_padding = padding_mask(tgt, pad)
        for name, m, tokens in (("src_padding", src_padding, src), ("tgt_padding", tgt_padding, tgt)):
            if m is not None and tokens is not None and np.shape(m) != np.shape(tokens):
                raise ValueError(f"{name} has shape {np.shape(m)}, expected the tokens' shape {np.shape(tokens)}")
        return src_padding, tgt_padding

    def encode(self, src, src_padding: np.ndarray | None = None) -> np.ndarray:
        """src (B, Ts) token ids -> memory (B, Ts, d_model). `src_padding` (B, Ts) bool, True at
        padding (built from ``config.pad_id`` when None)."""
        src = self._token_batch(src, self.config.src_vocab_size, "src")
        src_padding, _ = self._masks(src, None, src_padding, None)
        return self._encode(src, src_padding)

    def _encode(self, src: np.ndarray, src_padding: np.ndarray | None) -> np.ndarray:
        """`encode` for checked ids and padding."""
        self._trace = {}
        self._src_mask = attention_mask(key_padding=_padded_or_none(src_padding))
        with checked_at_the_boundary():
            memory = self.encoder.forward(self._embed(self.src_embed, src, "src"), self._src_mask)
        self._trace["memory"] = memory
        return memory

    def decode(self, tgt, memory: np.ndarray, src_padding: np.ndarray | None = None,
               tgt_padding: np.ndarray | None = None, src=None) -> np.ndarray:
        """tgt (B, Tt) decoder input ids (the target shifted right behind a start token),
        memory (B, Ts, d_model) -> logits (B, Tt, tgt_vocab_size). The decoder's self-attention
        is causal; padding masks are built from ``config.pad_id`` when None (pass `src` for that)."""
        tgt = self._token_batch(tgt, self.config.tgt_vocab_size, "tgt")
        src_padding, tgt_padding = self._masks(None if src is None else np.asarray(src), tgt, src_padding, tgt_padding)
        memory = check_array(memory, "memory", ndim=3, shape=(None, None, self.config.d_model))
        if memory.shape[0] != tgt.shape[0]:
            raise ValueError(f"memory has batch {memory.shape[0]} but tgt has batch {tgt.shape[0]}")
        if src_padding is not None and np.shape(src_padding) != memory.shape[:2]:
            raise ValueError(f"src_padding has shape {np.shape(src_padding)}, expected memory's (batch, source "
                             f"length) {memory.shape[:2]}: one flag per source token")
        return self._decode(tgt, memory, src_padding, tgt_padding)

    def _decode(self, tgt: np.ndarray, memory: np.ndarray, src_padding: np.ndarray | None,
                tgt_padding: np.ndarray | None) -> np.ndarray:
        """`decode` for checked ids, memory and padding."""
        self_mask = attention_mask(key_padding=_padded_or_none(tgt_padding), causal_length=tgt.shape[-1])
        memory_mask = attention_mask(key_padding=_padded_or_none(src_padding))
        with checked_at_the_boundary():
            y = self.decoder.forward(self._embed(self.tgt_embed, tgt, "tgt"), memory, self_mask, memory_mask)
            logits = self.generator.forward(y)
        self._trace["decoder_output"] = y
        self._trace["logits"] = logits
        return logits

    # -- whole model ----------------------------------------------------------------------------
    def forward(self, src, tgt, src_padding: np.ndarray | None = None,
                tgt_padding: np.ndarray | None = None) -> np.ndarray:
        """src (B, Ts), tgt (B, Tt) token ids -> logits (B, Tt, tgt_vocab_size).

        `tgt` is the decoder *input*: the target shifted right behind a start token. Padding
        masks (B, T) bool, True at padding, are built from ``config.pad_id`` when None."""
        src = self._token_batch(src, self.config.src_vocab_size, "src")
        tgt = self._token_batch(tgt, self.config.tgt_vocab_size, "tgt")
        if src.shape[0] != tgt.shape[0]:
            raise ValueError(f"src has batch {src.shape[0]} but tgt has batch {tgt.shape[0]}")
        src_padding, tgt_padding = self._masks(src, tgt, src_padding, tgt_padding)
        memory = check_array(self._encode(src, src_padding), "memory")  # a NaN or inf weight in the encoder stops here
        return self._decode(tgt, memory, src_padding, tgt_padding)

    def backward(self, dlogits: np.ndarray) -> None:
        """dlogits (B, Tt, tgt_vocab_size): gradients of every parameter (accumulated) for the
        last `forward`."""
        dy = self.generator.backward(dlogits)
        dy, d_memory = self.decoder.backward(dy)
        self.tgt_embed.backward(dy)
        self.src_embed.backward(self.encoder.backward(d_memory))


def _padded_or_none(padding: np.ndarray | None) -> np.ndarray | None:
    """The padding mask, or None when it marks no position: attention then skips masking."""
    return padding if padding is not None and np.any(padding) else None
