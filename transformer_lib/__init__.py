"""transformer_lib: the encoder-decoder Transformer in NumPy, with a hand-written backward pass
for every layer, plus the plots and controls of the textbook.

Import what a chapter needs from here; `transformer_lib.reference` (PyTorch) is imported
separately so that this package works without torch."""

from .attention import MultiHeadAttention, scaled_dot_product_attention
from .checkpoint import load_weights, save_weights
from .decoder import Decoder, DecoderLayer
from .decoding import beam_search, greedy_decode, sequence_log_probability
from .embedding import Embedding
from .encoder import Encoder, EncoderLayer
from .feed_forward import FeedForward, relu, relu_backward
from .gradcheck import gradient_check, numerical_gradient, relative_error
from .layer_norm import LayerNorm
from .linear import Linear
from .loss import CrossEntropyLoss
from .masks import attention_mask, causal_mask, padding_mask
from .module import Module, ModuleList
from .optim import SGD, Adam, clip_grad_norm, warmup_learning_rate
from .positional_encoding import sinusoidal_positional_encoding
from .softmax import log_softmax, softmax, softmax_backward
from .transformer import Transformer, TransformerConfig

__all__ = [
    "SGD", "Adam", "CrossEntropyLoss", "Decoder", "DecoderLayer", "Embedding", "Encoder", "EncoderLayer",
    "FeedForward", "LayerNorm", "Linear", "Module", "ModuleList", "MultiHeadAttention", "Transformer",
    "TransformerConfig", "attention_mask", "beam_search", "causal_mask", "clip_grad_norm", "greedy_decode",
    "gradient_check", "load_weights", "log_softmax", "numerical_gradient", "padding_mask", "relative_error", "relu",
    "relu_backward", "save_weights", "scaled_dot_product_attention", "sequence_log_probability",
    "sinusoidal_positional_encoding",
    "softmax", "softmax_backward", "warmup_learning_rate",
]
