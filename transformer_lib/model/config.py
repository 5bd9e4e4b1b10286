"""The sizes and switches of a model, checked once when they are written down.

`LayerConfig` is what every encoder and decoder layer shares (width, heads, feed-forward size,
norm placement, attention scale, layer-norm epsilon, dtype); `TransformerConfig` adds the
vocabularies, the depth, the longest sequence, the embedding scale and the padding id, and
hands the layers their part with `TransformerConfig.layer_config`."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .validation import check_divisible_heads, check_dropout_probability, check_positive_integer

ATTENTION_SCALES = ("d_k", "d_model")
DTYPES = ("float64", "float32")


@dataclass(frozen=True)
class LayerConfig:
    """What an encoder or decoder layer is made of.

    d_model: width of every token vector; num_heads: attention heads, each d_model / num_heads
    wide; d_ff: hidden width of the feed-forward network; norm_first: layer norm before each
    sublayer (pre-norm) instead of after the residual sum (post-norm, the paper);
    attention_scale: divide the scores by sqrt(d_k) (``"d_k"``, the paper) or sqrt(d_model)
    (``"d_model"``, the source document); layer_norm_eps: added to the variance; dtype:
    ``"float64"`` or ``"float32"``; dropout: the probability P_drop with which, in training mode,
    dropout zeroes a number of each sublayer's output and of the attention weights (the paper
    trains with 0.1; the default 0 leaves every number as it is).

    ``LayerConfig(d_model=6, num_heads=2, d_ff=24)`` is the running example's layer."""

    d_model: int = 6
    num_heads: int = 2
    d_ff: int = 24
    norm_first: bool = False
    attention_scale: str = "d_k"
    layer_norm_eps: float = 1e-5
    dtype: str = "float64"
    dropout: float = 0.0

    def __post_init__(self):
        for name in ("d_model", "num_heads", "d_ff"):
            check_positive_integer(getattr(self, name), name)
        check_divisible_heads(self.d_model, self.num_heads)
        if not isinstance(self.norm_first, (bool, np.bool_)):
            raise TypeError(f"norm_first must be True or False, got {self.norm_first!r}")
        if self.attention_scale not in ATTENTION_SCALES:
            raise ValueError(
                f"attention_scale must be 'd_k' (the paper) or 'd_model' (the source), got {self.attention_scale!r}"
            )
        eps = self.layer_norm_eps
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) \
                or not (math.isfinite(eps) and eps > 0):
            raise ValueError(
                f"layer_norm_eps must be a positive finite number (it keeps sqrt(var + eps) above 0), got {eps!r}"
            )
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype must be 'float64' or 'float32', got {self.dtype!r}")
        check_dropout_probability(self.dropout, "dropout")


@dataclass(frozen=True)
class TransformerConfig:
    """Sizes and switches of a Transformer. Defaults follow the paper where it and the source
    document differ; the source's choices are ``attention_scale="d_model"`` and
    ``embed_scale=False``. The layer fields (d_model ... dtype) are those of `LayerConfig`.

    pad_id: token id of padding in both vocabularies; when set, the model builds padding masks
    from the tokens it is given. dropout: P_drop, also applied to the embeddings plus positional
    encoding. share_embeddings: one matrix for the source embedding, the target embedding and
    the output projection (section 3.4 of the paper; needs one vocabulary for both sides).
    final_norm: a LayerNorm after the last layer of the encoder and of the decoder; None (the
    default) means ``norm_first``, as pre-norm stacks need one.
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
    dropout: float = 0.0
    share_embeddings: bool = False
    final_norm: bool | None = None

    def __post_init__(self):
        for name in ("src_vocab_size", "tgt_vocab_size", "max_len"):
            check_positive_integer(getattr(self, name), name)
        check_layer_count(self.num_encoder_layers, "num_encoder_layers")
        check_layer_count(self.num_decoder_layers, "num_decoder_layers")
        self.layer_config()  # checks the layer fields
        if not isinstance(self.share_embeddings, (bool, np.bool_)):
            raise TypeError(f"share_embeddings must be True or False, got {self.share_embeddings!r}")
        if self.share_embeddings and self.src_vocab_size != self.tgt_vocab_size:
            raise ValueError(
                f"share_embeddings=True needs one vocabulary for both sides (one matrix serves both embeddings "
                f"and the output), got src_vocab_size={self.src_vocab_size} and tgt_vocab_size={self.tgt_vocab_size}"
            )
        check_final_norm(self.final_norm, self.layer_config())
        if self.pad_id is not None:
            smaller = min(self.src_vocab_size, self.tgt_vocab_size)
            if isinstance(self.pad_id, bool) or not isinstance(self.pad_id, (int, np.integer)) \
                    or not 0 <= self.pad_id < smaller:
                raise ValueError(
                    f"pad_id must be None or a token id of both vocabularies, an integer in [0, {smaller - 1}], "
                    f"got {self.pad_id!r}"
                )

    def layer_config(self) -> LayerConfig:
        """The part every encoder and decoder layer shares."""
        return LayerConfig(d_model=self.d_model, num_heads=self.num_heads, d_ff=self.d_ff,
                           norm_first=self.norm_first, attention_scale=self.attention_scale,
                           layer_norm_eps=self.layer_norm_eps, dtype=self.dtype, dropout=self.dropout)


def check_layer_config(config) -> LayerConfig:
    """`config` if it is a `LayerConfig`, else a TypeError that shows how to make one."""
    if not isinstance(config, LayerConfig):
        raise TypeError(
            f"config must be a LayerConfig, e.g. LayerConfig(d_model=6, num_heads=2, d_ff=24) or "
            f"TransformerConfig(...).layer_config(), got {config!r}"
        )
    return config


def check_final_norm(final_norm, config: LayerConfig) -> bool:
    """Whether a stack of `config` layers ends with a LayerNorm: `final_norm` if it is True or
    False, ``config.norm_first`` if it is None; a TypeError for anything else."""
    if final_norm is None:
        return bool(config.norm_first)
    if not isinstance(final_norm, (bool, np.bool_)):
        raise TypeError(f"final_norm must be True, False or None (None: the same as norm_first), got {final_norm!r}")
    return bool(final_norm)


def check_layer_count(value, name: str = "num_layers") -> None:
    """Raise unless `value` is an integer >= 0 (a stack may be empty)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
