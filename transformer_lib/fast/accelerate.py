"""`accelerate`: switch every layer of a model to its fast subclass, keeping its parameters."""

from __future__ import annotations

from ..model.attention import MultiHeadAttention
from ..model.embedding import Embedding
from ..model.feed_forward import FeedForward
from ..model.layer_norm import LayerNorm
from ..model.linear import Linear
from ..model.module import Module
from .attention import FastMultiHeadAttention
from .embedding import FastEmbedding
from .feed_forward import FastFeedForward
from .layer_norm import FastLayerNorm
from .linear import FastLinear

FAST_LAYERS: dict[type[Module], type[Module]] = {
    Linear: FastLinear,
    MultiHeadAttention: FastMultiHeadAttention,
    LayerNorm: FastLayerNorm,
    FeedForward: FastFeedForward,
    Embedding: FastEmbedding,
}


def accelerate(model: Module) -> Module:
    """Switch `model` and every layer inside it whose class is exactly one of the teaching layers
    (`FAST_LAYERS`) to that layer's fast subclass, in place, and return `model`.

    A fast subclass adds no state and overrides only ``forward`` and ``backward``, so each layer
    keeps its parameter and gradient arrays (views into the model's flat buffer), its settings
    and its place in the model; the numbers are the plain layer's up to rounding. A subclass of
    a teaching layer defined elsewhere (a lesson's variant) is left as it is. Pair it with
    `FastAdam` and `FastCrossEntropyLoss` for a whole training step on the fast path."""
    for _, module in model.named_modules():
        fast = FAST_LAYERS.get(type(module))
        if fast is not None:
            module.__class__ = fast
    return model
