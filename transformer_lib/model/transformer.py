"""The whole encoder-decoder Transformer: embeddings plus positional encoding, encoder, decoder,
and the output projection to the vocabulary."""

from __future__ import annotations

import numpy as np

from .config import TransformerConfig
from .decoder import Decoder
from .dropout import Dropout
from .embedding import Embedding
from .encoder import Encoder
from .linear import Linear
from .masks import attention_mask, padding_mask
from .module import Module
from .positional_encoding import sinusoidal_positional_encoding
from .validation import as_token_ids, check_array, check_finite


class Transformer(Module):
    """Encoder-decoder Transformer ("Attention Is All You Need", 2017).

    Children: ``src_embed``, ``tgt_embed`` (Embedding), ``encoder``, ``decoder``, ``generator``
    (Linear d_model -> tgt_vocab_size), ``src_dropout``, ``tgt_dropout`` (on the embeddings plus
    positional encoding). The positional-encoding table ``pe`` (max_len, d_model) is a constant,
    not a parameter. Weights, and the dropout masks, are drawn deterministically from `seed`.

    With ``config.share_embeddings`` (section 3.4 of the paper) the source embedding's table
    (V, d_model) is also the target embedding's table and, transposed, the output projection's
    weight: `parameters` lists it once, as ``src_embed.weight``, and its gradient is the sum of
    the three uses. The output projection keeps its own bias.

    Dropout acts in training mode, which a model is in until ``model.eval()``; decoding, when
    ``config.dropout`` > 0, belongs in evaluation mode.

    The public methods (`forward`, `encode`, `decode`, `backward`, `check_tokens`,
    `padding_mask`) check what they are given, once, before anything runs or changes; the
    layers inside then only check shapes.

    Trace (besides every child's): ``src_embedding``, ``src_input`` (embedding + PE),
    ``tgt_embedding``, ``tgt_input``, ``memory``, ``decoder_output``, ``logits``.
    """

    def __init__(self, config: TransformerConfig, seed: int = 0):
        super().__init__()
        if not isinstance(config, TransformerConfig):
            raise TypeError(f"config must be a TransformerConfig, got {config!r}")
        self.config = c = config
        dtype = np.dtype(c.dtype)
        rng = np.random.default_rng(seed)
        layer = c.layer_config()
        self.add_module("src_embed", Embedding(c.src_vocab_size, c.d_model, rng, dtype, c.embed_scale))
        self.add_module("tgt_embed", Embedding(c.tgt_vocab_size, c.d_model, rng, dtype, c.embed_scale))
        self.add_module("encoder", Encoder(c.num_encoder_layers, layer, rng, c.final_norm))
        self.add_module("decoder", Decoder(c.num_decoder_layers, layer, rng, c.final_norm))
        self.add_module("generator", Linear(c.d_model, c.tgt_vocab_size, rng, dtype))
        self.add_module("src_dropout", Dropout(c.dropout, rng))
        self.add_module("tgt_dropout", Dropout(c.dropout, rng))
        if c.share_embeddings:
            self.tgt_embed.tie_parameter("weight", self.src_embed, "weight")
            self.generator.tie_parameter("weight", self.src_embed, "weight", transpose=True)
        self.pe = sinusoidal_positional_encoding(c.max_len, c.d_model, dtype=dtype)
        self.flatten_parameters()
        self._logits_shape: tuple[int, ...] | None = None  # of the last `forward`, for `backward`

    # -- checking what comes in -----------------------------------------------------------------
    def check_tokens(self, tokens, side: str, name: str | None = None) -> np.ndarray:
        """`tokens` as a (batch, seq) int64 array of ids of the `side` vocabulary (``"src"`` or
        ``"tgt"``), at least one token long and at most ``config.max_len``; else an error that
        calls them `name` (default: `side`)."""
        if side not in ("src", "tgt"):
            raise ValueError(f"side must be 'src' or 'tgt', got {side!r}")
        name = side if name is None else name
        vocab_size = self.config.src_vocab_size if side == "src" else self.config.tgt_vocab_size
        tokens = as_token_ids(tokens, vocab_size, name)
        if tokens.ndim != 2:
            raise ValueError(f"{name} must have shape (batch, seq), got shape {tokens.shape}")
        if tokens.size == 0:
            raise ValueError(f"{name} has shape {tokens.shape}: expected at least one sequence of at least one token")
        if tokens.shape[1] > self.config.max_len:
            raise ValueError(
                f"{name} has length {tokens.shape[1]}, longer than the positional-encoding table: "
                f"expected at most max_len={self.config.max_len} tokens"
            )
        return tokens

    def padding_mask(self, tokens: np.ndarray) -> np.ndarray | None:
        """(B, T) bool, True where the checked `tokens` (B, T) equal ``config.pad_id``; None
        when the model has no pad id. What `forward` uses when it is given no padding mask."""
        return None if self.config.pad_id is None else padding_mask(tokens, self.config.pad_id)

    def _padding(self, given, tokens: np.ndarray, name: str) -> np.ndarray | None:
        """The padding mask `given` for `tokens` after checking it, or the one built from the pad id."""
        if given is None:
            return self.padding_mask(tokens)
        given = _boolean_padding(given, name)
        if given.shape != tokens.shape:
            raise ValueError(f"{name} has shape {given.shape}, expected the tokens' shape {tokens.shape}")
        return given

    # -- pieces ---------------------------------------------------------------------------------
    def _embed(self, embed: Embedding, dropout: Dropout, tokens: np.ndarray, name: str) -> np.ndarray:
        """Dropout(embedding + positional encoding) of checked ids (B, T) -> (B, T, d_model)."""
        length = tokens.shape[1]
        emb = embed.lookup(tokens)  # ids checked by check_tokens
        x = emb + self.pe[:length]
        self._trace[f"{name}_embedding"] = emb
        self._trace[f"{name}_input"] = x
        return dropout.forward(x)

    def encode(self, src, src_padding: np.ndarray | None = None) -> np.ndarray:
        """src (B, Ts) token ids -> memory (B, Ts, d_model). `src_padding` (B, Ts) bool, True at
        padding (built from ``config.pad_id`` when None)."""
        src = self.check_tokens(src, "src")
        src_padding = self._padding(src_padding, src, "src_padding")
        self._logits_shape = None
        return self._encode(src, src_padding)

    def _encode(self, src: np.ndarray, src_padding: np.ndarray | None) -> np.ndarray:
        """`encode` for checked ids and padding."""
        self._trace = {}
        self._src_mask = attention_mask(key_padding=_padded_or_none(src_padding))
        memory = self.encoder.forward(self._embed(self.src_embed, self.src_dropout, src, "src"), self._src_mask)
        self._trace["memory"] = memory
        return memory

    def decode(self, tgt, memory: np.ndarray, src_padding: np.ndarray | None = None,
               tgt_padding: np.ndarray | None = None, src=None) -> np.ndarray:
        """tgt (B, Tt) decoder input ids (the target shifted right behind a start token),
        memory (B, Ts, d_model) -> logits (B, Tt, tgt_vocab_size). The decoder's self-attention
        is causal. Padding masks (B, T) bool, True at padding: `tgt_padding` is built from
        ``config.pad_id`` when None; `src_padding` too when `src` is given, else None means no
        source padding."""
        tgt = self.check_tokens(tgt, "tgt")
        tgt_padding = self._padding(tgt_padding, tgt, "tgt_padding")
        memory = check_finite(check_array(memory, "memory", ndim=3, shape=(None, None, self.config.d_model)), "memory")
        if memory.shape[0] != tgt.shape[0]:
            raise ValueError(f"memory has batch {memory.shape[0]} but tgt has batch {tgt.shape[0]}")
        if src is not None:
            src_padding = self._padding(src_padding, self.check_tokens(src, "src"), "src_padding")
        elif src_padding is not None:
            src_padding = _boolean_padding(src_padding, "src_padding")
        if src_padding is not None and src_padding.shape != memory.shape[:2]:
            raise ValueError(f"src_padding has shape {src_padding.shape}, expected memory's (batch, source "
                             f"length) {memory.shape[:2]}: one flag per source token")
        self._logits_shape = None
        return self._decode(tgt, memory, src_padding, tgt_padding)

    def _decode(self, tgt: np.ndarray, memory: np.ndarray, src_padding: np.ndarray | None,
                tgt_padding: np.ndarray | None) -> np.ndarray:
        """`decode` for checked ids, memory and padding."""
        self_mask = attention_mask(key_padding=_padded_or_none(tgt_padding), causal_length=tgt.shape[-1])
        memory_mask = attention_mask(key_padding=_padded_or_none(src_padding))
        y = self.decoder.forward(self._embed(self.tgt_embed, self.tgt_dropout, tgt, "tgt"), memory, self_mask, memory_mask)
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
        src, tgt = self.check_tokens(src, "src"), self.check_tokens(tgt, "tgt")
        if src.shape[0] != tgt.shape[0]:
            raise ValueError(f"src has batch {src.shape[0]} but tgt has batch {tgt.shape[0]}")
        src_padding = self._padding(src_padding, src, "src_padding")
        tgt_padding = self._padding(tgt_padding, tgt, "tgt_padding")
        self._logits_shape = None  # until this pass has finished
        memory = check_finite(self._encode(src, src_padding), "memory")  # a NaN or inf weight in the encoder stops here
        logits = self._decode(tgt, memory, src_padding, tgt_padding)
        self._logits_shape = logits.shape
        return logits

    def backward(self, dlogits: np.ndarray) -> None:
        """dlogits (B, Tt, tgt_vocab_size): gradients of every parameter (accumulated) for the
        last `forward`."""
        if self._logits_shape is None:
            raise ValueError("backward(dlogits) differentiates the last forward pass, and there is none: "
                             "expected model.forward(src, tgt) first (encode and decode alone do not count)")
        dlogits = check_array(dlogits, "dlogits", shape=self._logits_shape)
        dy = self.generator.backward(dlogits)
        dy, d_memory = self.decoder.backward(dy)
        self.tgt_embed.backward(self.tgt_dropout.backward(dy))
        self.src_embed.backward(self.src_dropout.backward(self.encoder.backward(d_memory)))


def _boolean_padding(padding, name: str) -> np.ndarray:
    """`padding` as an array after checking it is boolean (True at padding)."""
    padding = np.asarray(padding)
    if padding.dtype != bool:
        raise TypeError(f"{name} must be a boolean array (True at padding), got dtype {padding.dtype}")
    return padding


def _padded_or_none(padding: np.ndarray | None) -> np.ndarray | None:
    """The padding mask, or None when it marks no position: attention then skips masking."""
    return padding if padding is not None and np.any(padding) else None
