"""The same models built from PyTorch's own modules, for cross-checking the NumPy code.

Nothing here re-implements our layers: attention is ``torch.nn.MultiheadAttention``, the layers
are ``nn.TransformerEncoderLayer`` / ``nn.TransformerDecoderLayer`` (batch_first, ReLU, the same
norm placement and dropout probability), stacked by ``nn.TransformerEncoder`` /
``nn.TransformerDecoder`` with ``norm=nn.LayerNorm(...)`` where our stack has a final norm
(pre-norm, by default) and ``norm=None`` where it has none; embeddings are ``nn.Embedding`` (dropout on their
sum with the positional encoding is ``nn.Dropout``) and the output is ``nn.Linear``, its weight
the embeddings' own when the model shares them. The only constants shared with the NumPy model
are the weights (copied) and the positional-encoding table (checked against the paper's formula
in the tests).

With dropout, two settings make PyTorch's layers drop what the paper drops, through
``torch.nn.functional.dropout`` (where `reference.dropout_replay` can feed them our masks): the
dropout inside PyTorch's feed-forward block, which the paper does not have, is replaced by
``nn.Identity``; and each ``nn.MultiheadAttention`` is asked for its weights (``need_weights``),
the path on which it applies dropout to them with that function (the path the layers choose
draws its mask inside a fused kernel). Neither changes what is computed.

torch is imported only by this module, so the rest of the package works without it.

Name mapping, NumPy -> PyTorch: ``self_attn.w_q/w_k/w_v`` are the three row blocks of
``self_attn.in_proj_weight`` (and ``in_proj_bias``); ``w_o`` is ``out_proj``; ``cross_attn`` is
``multihead_attn``; ``ffn.linear1/2`` are ``linear1/2``; LayerNorm ``gamma/beta`` are
``weight/bias`` (the stacks' final ``norm`` keeps its name). Linear weights are transposed (NumPy stores (d_in, d_out)).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from ..model.attention import MultiHeadAttention
from ..model.config import LayerConfig, check_final_norm
from ..model.decoder import Decoder, DecoderLayer
from ..model.dropout import Dropout
from ..model.encoder import Encoder, EncoderLayer
from ..model.layer_norm import LayerNorm
from ..model.module import Module
from ..model.transformer import Transformer

_TORCH_DTYPE = {np.dtype("float64"): torch.float64, np.dtype("float32"): torch.float32}
_IN_PROJ_BLOCK = {"w_q": 0, "w_k": 1, "w_v": 2}


class ReferenceTransformer(nn.Module):
    """The encoder-decoder Transformer from PyTorch's modules, shaped like `Transformer`."""

    def __init__(self, config, pe: np.ndarray):
        super().__init__()
        c = config
        _refuse_source_scale(c.attention_scale)
        self.embed_multiplier = float(np.sqrt(c.d_model)) if c.embed_scale else 1.0
        common = _layer_options(c.layer_config())
        self.src_embed = nn.Embedding(c.src_vocab_size, c.d_model)
        self.tgt_embed = nn.Embedding(c.tgt_vocab_size, c.d_model)
        final_norm = check_final_norm(c.final_norm, c.layer_config())
        self.encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(c.d_model, c.num_heads, **common),
                                             c.num_encoder_layers, norm=_final_norm(final_norm, c.layer_config()),
                                             enable_nested_tensor=False)
        self.decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(c.d_model, c.num_heads, **common),
                                             c.num_decoder_layers, norm=_final_norm(final_norm, c.layer_config()))
        self.generator = nn.Linear(c.d_model, c.tgt_vocab_size)
        if c.share_embeddings:  # one Parameter, three uses: autograd sums their gradients
            self.tgt_embed.weight = self.src_embed.weight
            self.generator.weight = self.src_embed.weight
        self.embed_dropout = nn.Dropout(c.dropout)
        self.register_buffer("pe", torch.as_tensor(pe))

    def forward(self, src, tgt, src_padding=None, tgt_padding=None):
        """src (B, Ts), tgt (B, Tt) long tensors; paddings (B, T) bool, True at padding ->
        logits (B, Tt, V)."""
        x = self.embed_dropout(self.src_embed(src) * self.embed_multiplier + self.pe[: src.shape[1]])
        memory = self.encoder(x, src_key_padding_mask=src_padding)
        length = tgt.shape[1]
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool), diagonal=1)
        y = self.embed_dropout(self.tgt_embed(tgt) * self.embed_multiplier + self.pe[:length])
        y = self.decoder(y, memory, tgt_mask=causal, tgt_key_padding_mask=tgt_padding,
                         memory_key_padding_mask=src_padding)
        return self.generator(y)


def _layer_options(config: LayerConfig) -> dict:
    """Keyword arguments of nn.TransformerEncoderLayer / DecoderLayer for our layers of `config`:
    ReLU, the same dropout probability, batch first."""
    return dict(dim_feedforward=config.d_ff, dropout=config.dropout, activation="relu",
                layer_norm_eps=config.layer_norm_eps, batch_first=True, norm_first=config.norm_first)


def _drop_where_the_paper_drops(twin: nn.Module) -> None:
    """In every PyTorch layer of `twin`: no dropout inside the feed-forward block (the paper has
    none there), and attention dropout through ``torch.nn.functional.dropout``, by asking each
    nn.MultiheadAttention for its weights (the layers ask for none, and that path draws its mask
    inside a fused kernel; the output is the same)."""
    for module in twin.modules():
        if isinstance(module, (nn.TransformerEncoderLayer, nn.TransformerDecoderLayer)):
            module.dropout = nn.Identity()
        elif isinstance(module, nn.MultiheadAttention):
            module.register_forward_pre_hook(_ask_for_weights, with_kwargs=True)


def _ask_for_weights(module, args, kwargs):
    return args, {**kwargs, "need_weights": True}


def _final_norm(present: bool, config: LayerConfig) -> nn.LayerNorm | None:
    """The ``norm=`` argument of nn.TransformerEncoder / Decoder for a stack of `config` layers."""
    return nn.LayerNorm(config.d_model, eps=config.layer_norm_eps) if present else None


def _refuse_scale_of(attn: MultiHeadAttention) -> None:
    """Refuse an attention that divides by anything but sqrt(d_k), as nn.MultiheadAttention does."""
    if not np.isclose(attn.scale, 1.0 / np.sqrt(attn.d_k)):
        _refuse_source_scale("d_model")


def _refuse_source_scale(scale: str) -> None:
    if scale != "d_k":
        raise ValueError(
            f"attention_scale={scale!r} has no PyTorch counterpart: nn.MultiheadAttention always "
            "divides by sqrt(d_k)"
        )


def torch_twin(module: Module) -> nn.Module:
    """A PyTorch module equivalent to `module` (MultiHeadAttention, LayerNorm, EncoderLayer,
    Encoder, DecoderLayer, Decoder or Transformer), in the same dtype, with its weights copied
    and the same dropout probability (dropout acts in training mode, PyTorch's default, as ours);
    call it with ``batch_first`` tensors."""
    dtype = _TORCH_DTYPE[module.dtype]
    if isinstance(module, Transformer):
        twin = ReferenceTransformer(module.config, module.pe)
    elif isinstance(module, MultiHeadAttention):
        _refuse_scale_of(module)
        twin = nn.MultiheadAttention(module.d_model, module.num_heads, dropout=module.dropout.p, bias=True,
                                     batch_first=True)
    elif isinstance(module, LayerNorm):
        twin = nn.LayerNorm(module.d_model, eps=module.eps)
    elif isinstance(module, (EncoderLayer, DecoderLayer, Encoder, Decoder)):
        layer = module if isinstance(module, (EncoderLayer, DecoderLayer)) else module.layers[0]
        attn = layer.self_attn
        _refuse_scale_of(attn)
        cls = nn.TransformerEncoderLayer if isinstance(layer, EncoderLayer) else nn.TransformerDecoderLayer
        twin = cls(attn.d_model, attn.num_heads, **_layer_options(layer.config))
        if isinstance(module, Encoder):
            twin = nn.TransformerEncoder(twin, len(module.layers), norm=_final_norm(module.final_norm, layer.config),
                                         enable_nested_tensor=False)
        elif isinstance(module, Decoder):
            twin = nn.TransformerDecoder(twin, len(module.layers), norm=_final_norm(module.final_norm, layer.config))
    else:
        raise TypeError(f"no PyTorch twin for {type(module).__name__}")
    twin = twin.to(dtype)
    if any(isinstance(m, Dropout) and m.p > 0 for _, m in module.named_modules()):
        _drop_where_the_paper_drops(twin)
    copy_to_torch(module, twin)
    return twin


def torch_name(numpy_name: str) -> tuple[str, int | None, bool]:
    """Where a NumPy parameter lives in the PyTorch twin: ``(torch_name, in_proj_block, transpose)``.
    `in_proj_block` is 0, 1, 2 for W_q, W_k, W_v (rows of ``in_proj_*``), else None."""
    parts = numpy_name.split(".")
    leaf = parts[-1]
    owner = parts[-2] if len(parts) > 1 else ""
    block = None
    if owner in _IN_PROJ_BLOCK:
        block = _IN_PROJ_BLOCK[owner]
        parts = parts[:-2] + [f"in_proj_{leaf}"]
    elif owner == "w_o":
        parts = parts[:-2] + ["out_proj", leaf]
    parts = ["multihead_attn" if p == "cross_attn" else p for p in parts]
    if "ffn" in parts:
        parts.remove("ffn")
    parts[-1] = {"gamma": "weight", "beta": "bias"}.get(parts[-1], parts[-1])
    is_embedding = owner.endswith("_embed")
    transpose = leaf == "weight" and not is_embedding and owner not in ("norm", "norm1", "norm2", "norm3", "")
    return ".".join(parts), block, transpose


def copy_to_torch(module: Module, twin: nn.Module) -> None:
    """Copy every parameter of the NumPy `module` into its PyTorch `twin` (in place)."""
    torch_params = dict(twin.named_parameters())
    with torch.no_grad():
        for name, value in module.parameters().items():
            tname, block, transpose = torch_name(name)
            target = torch_params[tname]
            source = torch.as_tensor(value.T if transpose else value, dtype=target.dtype)
            if block is None:
                target.copy_(source)
            else:
                d = source.shape[0]  # rows of the (3 d, d) in-projection, or of its bias
                target[block * d:(block + 1) * d].copy_(source)


def from_torch(module: Module, tensors: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """Translate PyTorch tensors named like the twin's parameters (weights or their ``.grad``)
    into NumPy arrays named and shaped like `module`'s parameters."""
    out = {}
    for name, value in module.parameters().items():
        tname, block, transpose = torch_name(name)
        t = tensors[tname].detach().cpu().numpy()
        if block is not None:
            d = value.shape[-1] if value.ndim == 2 else value.shape[0]
            t = t[block * d:(block + 1) * d]
        out[name] = t.T.copy() if transpose else t.copy()
    return out


def copy_from_torch(twin: nn.Module, module: Module) -> None:
    """Copy the PyTorch `twin`'s weights into the NumPy `module` (in place)."""
    module.load_state_dict(from_torch(module, dict(twin.named_parameters())))


def torch_gradients(module: Module, twin: nn.Module) -> dict[str, np.ndarray]:
    """The twin's parameter gradients (after ``loss.backward()``), named like `module`'s."""
    return from_torch(module, {n: p.grad for n, p in twin.named_parameters()})
