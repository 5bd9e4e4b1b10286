"""Checkers for ``07_encoder.ipynb``: parameter counts of the paper's big encoder (the notebook
works out the base model's in the open), the shape of a stack's output, and how many attention
maps the stack computes."""

from __future__ import annotations

from ..lessons.parameter_count import attention_parameters, encoder_layer_parameters, feed_forward_parameters
from ._counts import check_count, check_shape
from .feedback import CheckResult

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
