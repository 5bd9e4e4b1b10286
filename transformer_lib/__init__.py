"""transformer_lib: the encoder-decoder Transformer in NumPy, with a hand-written backward pass
for every layer, plus the pictures, controls and exercises of the textbook.

The subpackages, in the order a reader meets them:

- ``model``: the paper's boxes (embedding, positional encoding, attention, layer norm,
  feed-forward, encoder, decoder, the whole Transformer, the loss), each forward beside its backward.
- ``training``: optimisers and the learning-rate schedule, the training loop, decoding
  (greedy, generation with the KV cache, beam search with a length penalty, sampling),
  checkpoints, finite-difference gradient checks.
- ``reference``: the same model built from PyTorch's own layers (the only place torch is imported;
  import it explicitly, so that this package works without torch).
- ``lessons``: helpers of specific chapters (the running example ``toy``, the ``reversal`` task, ...).
- ``fast``: the opt-in fast path, tested equal to the teaching code.
- ``figures`` and ``widgets``: the pictures and the live controls; ``exercises``: the checkers.
- ``tooling``: the benchmark and the environment check.

The names a chapter needs are importable from here.
"""

from importlib import import_module

from .model.attention import MultiHeadAttention, scaled_dot_product_attention
from .model.config import LayerConfig, TransformerConfig
from .model.decoder import Decoder, DecoderLayer
from .model.dropout import Dropout
from .model.embedding import Embedding
from .model.encoder import Encoder, EncoderLayer
from .model.feed_forward import FeedForward, relu, relu_backward
from .model.kv_cache import IncrementalDecoder
from .model.layer_norm import LayerNorm
from .model.linear import Linear
from .model.loss import CrossEntropyLoss
from .model.masks import attention_mask, causal_mask, padding_mask
from .model.module import Module, ModuleList
from .model.positional_encoding import sinusoidal_positional_encoding
from .model.softmax import log_softmax, softmax, softmax_backward
from .model.transformer import Transformer
from .training.beam import beam_decode, length_penalty
from .training.checkpoint import load_checkpoint, load_weights, save_checkpoint, save_weights
from .training.decoding import beam_search, greedy_decode, sequence_log_probability
from .training.generation import generate
from .training.gradcheck import gradient_check, numerical_gradient, relative_error
from .training.optim import SGD, Adam, clip_grad_norm, warmup_learning_rate
from .training.sampling import sample_decode, sampling_distribution

# Modules the chapters import by their short name (``from transformer_lib import toy``), loaded on
# first use so that importing the package stays light (no matplotlib until a picture is drawn).
_MODULE_ALIASES = {
    "toy": "lessons.toy",
    "translation": "lessons.translation",
    "reversal": "lessons.reversal",
    "snapshots": "lessons.snapshots",
    "heads": "lessons.heads",
    "attention_scale": "lessons.attention_scale",
    "deep_stack": "lessons.deep_stack",
    "backward_mistakes": "lessons.backward_mistakes",
    "parameter_count": "lessons.parameter_count",
    "plotting": "figures.plotting",
}


def __getattr__(name: str):
    if name in _MODULE_ALIASES:
        return import_module(f".{_MODULE_ALIASES[name]}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "SGD", "Adam", "CrossEntropyLoss", "Decoder", "DecoderLayer", "Dropout", "Embedding", "Encoder", "EncoderLayer",
    "FeedForward", "LayerConfig", "LayerNorm", "Linear", "Module", "ModuleList", "MultiHeadAttention", "Transformer",
    "TransformerConfig", "attention_mask", "beam_search", "causal_mask", "clip_grad_norm", "greedy_decode",
    "gradient_check", "load_checkpoint", "load_weights", "log_softmax", "numerical_gradient", "padding_mask",
    "relative_error", "relu",
    "relu_backward", "save_checkpoint", "save_weights", "scaled_dot_product_attention", "sequence_log_probability",
    "sinusoidal_positional_encoding",
    "softmax", "softmax_backward", "warmup_learning_rate",
    "IncrementalDecoder", "beam_decode", "generate", "length_penalty", "sample_decode", "sampling_distribution",
]
