"""Checkers for ``07_encoder.ipynb``: parameter counts of the paper's big encoder (the notebook
works out the base model's in the open), the shape of a stack's output, and how many attention
maps the stack computes; and one encoder layer wired by the reader from its sub-layers."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.parameter_count import attention_parameters, encoder_layer_parameters, feed_forward_parameters
from ..model.config import LayerConfig
from ..model.encoder import EncoderLayer
from ._counts import check_count, check_shape
from ._pieces import pieces
from .feedback import CheckResult
from .implement import Case, Exercise, Mistake, Reference, check_implementation

# The paper's "big" model (Table 3).
D_MODEL, HEADS, D_FF, LAYERS = 1024, 16, 4096, 6


def check_encoder_layer_parameters(answer) -> CheckResult:
    """Exercise 1: parameters of one encoder layer of the big model (1024, 16 heads, 4096)."""
    d, f = D_MODEL, D_FF
    weights_only = 4 * d * d + 2 * d * f
    return check_count(answer, encoder_layer_parameters(d, f), "the parameter count",
                       "add the attention (4 matrices d x d with biases), two layer norms (gamma and beta, d each) "
                       "and the FFN (d x d_ff and d_ff x d, with biases).", {
                           weights_only: "that counts the weight matrices only; add the biases and the layer norms.",
                           weights_only + 4 * d + f + d: f"add the two layer norms (2 x 2 x {d}).",
                           weights_only + 4 * d: f"that is the weight matrices plus {4 * d:,}; the full count adds the "
                                                 f"biases of all six Linear layers (4 x {d} + {f} + {d}) and the two "
                                                 f"layer norms (2 x 2 x {d}).",
                           attention_parameters(d): "that is the attention block alone.",
                           feed_forward_parameters(d, f): "that is the FFN alone.",
                           HEADS * attention_parameters(d) + feed_forward_parameters(d, f) + 4 * d:
                               f"the {HEADS} heads share W_q, W_k, W_v, W_o (each head uses a slice of them): "
                               "count the attention once.",
                           encoder_layer_parameters(512, 2048): "that is the base model's layer; here d_model is 1024.",
                       }, what=f"{encoder_layer_parameters(d, f):,} per layer.")


def check_encoder_parameters(answer) -> CheckResult:
    """Exercise 2: parameters of the big model's whole encoder stack (6 layers)."""
    per_layer = encoder_layer_parameters(D_MODEL, D_FF)
    return check_count(answer, LAYERS * per_layer, "the parameter count",
                       f"the stack has {LAYERS} layers of the same shape, each with its own weights.", {
                           per_layer: f"that is one layer; the encoder stacks {LAYERS}.",
                           HEADS * per_layer: f"{HEADS} is the number of heads; the encoder has {LAYERS} layers.",
                           LAYERS * encoder_layer_parameters(512, 2048): "that is the base model's stack; here d_model "
                                                                         "is 1024.",
                       }, what=f"{LAYERS} x {per_layer:,} = {LAYERS * per_layer:,} (embeddings not included).")


def check_stack_output_shape(answer) -> CheckResult:
    """Exercise 3: output shape of the big encoder for 32 sentences of 10 tokens."""
    return check_shape(answer, (32, 10, D_MODEL), "the output shape",
                       "every layer maps (batch, tokens, d_model) to the same shape.", {
                           (32, 10, D_FF): f"d_ff = {D_FF} is only the FFN's hidden width; its second layer goes back "
                                           "to d_model.",
                           (10, D_MODEL): "keep the batch axis in front.",
                           (32, D_MODEL): "the encoder keeps one vector per token, it does not pool a sentence into one.",
                           (32, 10, D_MODEL // HEADS): f"{D_MODEL // HEADS} is one head's width d_k; the heads are "
                                                       f"concatenated back to {D_MODEL}.",
                           (32, 10, 10): "that is the shape of one head's attention weights, not of the output.",
                           (32, 10, LAYERS * D_MODEL): "the layers are applied one after another, not concatenated.",
                           (32, 10, 512): "512 is the base model's d_model; here it is 1024.",
                       })


def check_attention_map_count(answer) -> CheckResult:
    """Exercise 4: how many attention-weight matrices the big encoder computes for one sentence."""
    return check_count(answer, LAYERS * HEADS, "the number of attention maps",
                       "each layer has its own attention block, and each block has one map per head.", {
                           LAYERS: "count every head of every layer, not one map per layer.",
                           HEADS: f"each of the {LAYERS} layers has its own {HEADS} heads.",
                           1: "each layer and each head computes its own map.",
                           48: "that is the base model (8 heads); the big model has 16 heads per layer.",
                       }, what=f"{LAYERS} layers x {HEADS} heads = {LAYERS * HEADS} maps, each (tokens x tokens).")


# Exercise 5: one encoder layer, wired by the reader from the layer's own sub-layers.

ENCODER_PIECES = {"self_attention": "self_attn", "feed_forward": "ffn", "norm1": "norm1", "norm2": "norm2"}


def random_layer(layer_class, config: LayerConfig, seed: int):
    """A layer of `config` with random weights, including the layer norms' gains and biases (so
    that swapping two norms, or leaving one out, changes the output)."""
    rng = np.random.default_rng(seed)
    layer = layer_class(config, rng)
    for name, value in layer.parameters().items():
        if name.endswith(("bias", "gamma", "beta")):
            value[...] = (1.0 if name.endswith("gamma") else 0.0) + 0.5 * rng.standard_normal(value.shape)
    return layer


def _encoder_case(seed: int, label: str, batch: int, tokens: int, config: LayerConfig) -> Case:
    layer = random_layer(EncoderLayer, config, seed)
    x = np.random.default_rng(seed + 100).standard_normal((batch, tokens, config.d_model))
    return Case({"x": x, **pieces(layer, ENCODER_PIECES)}, label)


def encoder_layer_with(x, self_attention, feed_forward, norm1, norm2, norm_inside=False, residual_from_input=False,
                       pre_norm=False, residual=True):
    """One encoder layer wired with one slip, for the typical wrong versions of exercise 5: the
    norm applied to the sub-layer's output before the residual is added (`norm_inside`), the
    second residual taken from the layer's input x, pre-norm, or no residual at all."""
    if pre_norm:
        h = x + self_attention(norm1(x), norm1(x))
        return h + feed_forward(norm2(h))
    keep = 1.0 if residual else 0.0
    if norm_inside:
        h = keep * x + norm1(self_attention(x, x))
        return keep * h + norm2(feed_forward(h))
    h = norm1(keep * x + self_attention(x, x))
    return norm2(keep * (x if residual_from_input else h) + feed_forward(h))


def _torch_encoder_layer(x, self_attention, feed_forward, norm1, norm2):
    import torch

    from ..reference.torch_model import torch_twin

    with torch.no_grad():
        return torch_twin(self_attention.layer)(torch.as_tensor(x)).numpy()


@lru_cache(maxsize=1)
def encoder_layer_exercise() -> Exercise:
    """Exercise 5: `encoder_layer_forward(x, self_attention, feed_forward, norm1, norm2) -> out`, x
    (B, T, d_model); the four pieces are the sub-layers of one EncoderLayer, as functions."""
    cases = (
        _encoder_case(70, "the running example's layer (d_model 6, 2 heads, d_ff 24)", 1, 3,
                      LayerConfig(d_model=6, num_heads=2, d_ff=24)),
        _encoder_case(71, "2 sentences of 5 tokens (d_model 8, 4 heads, d_ff 16)", 2, 5,
                      LayerConfig(d_model=8, num_heads=4, d_ff=16)),
        _encoder_case(72, "one token (d_model 4, 1 head, d_ff 8)", 1, 1, LayerConfig(d_model=4, num_heads=1, d_ff=8)),
    )
    mistakes = (
        Mistake(lambda x, a, f, n1, n2: encoder_layer_with(x, a, f, n1, n2, norm_inside=True),
                "each sub-layer's output is normalised before the residual is added: add first, then normalise "
                "the sum, norm1(x + self_attention(x, x))."),
        Mistake(lambda x, a, f, n1, n2: encoder_layer_with(x, a, f, n1, n2, residual_from_input=True),
                "the second residual adds the layer's input x: it adds h, the input of the feed-forward "
                "sub-layer, norm2(h + feed_forward(h))."),
        Mistake(lambda x, a, f, n1, n2: encoder_layer_with(x, a, f, n1, n2, pre_norm=True),
                "that is pre-norm (the norm on each sub-layer's input, x + self_attention(norm1(x), ...)); the paper's "
                "layer is post-norm: norm1(x + self_attention(x, x))."),
        Mistake(lambda x, a, f, n1, n2: encoder_layer_with(x, a, f, n1, n2, residual=False),
                "the residual connections are missing: each sub-layer's input is added to its output before the "
                "norm."),
        Mistake(lambda x, a, f, n1, n2: encoder_layer_with(x, a, f, n2, n1),
                "norm1 and norm2 are swapped: norm1 follows the attention, norm2 the feed-forward network."),
        Mistake(lambda x, a, f, n1, n2: n1(x + a(x, x)),
                "that is only the first half: the attention and its add & norm; the feed-forward sub-layer and "
                "its add & norm follow."),
    )
    return Exercise(
        function_name="encoder_layer_forward", outputs=("out",), cases=cases,
        references=(Reference("the package's EncoderLayer", lambda x, a, f, n1, n2: a.layer.forward(x)),
                    Reference("torch.nn.TransformerEncoderLayer", _torch_encoder_layer)),
        mistakes=mistakes,
        hint="h = norm1(x + self_attention(x, x)); out = norm2(h + feed_forward(h)).",
        success="add, then normalise, once per sub-layer: the paper's post-norm layer.",
    )


def check_encoder_layer(function) -> CheckResult:
    """Exercise 5: the reader's `encoder_layer_forward(x, self_attention, feed_forward, norm1, norm2)`."""
    return check_implementation(function, encoder_layer_exercise())
