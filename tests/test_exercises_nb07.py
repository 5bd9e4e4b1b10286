import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.exercises import nb07

D, H, F, N = 1024, 16, 4096, 6  # the paper's big model


def test_encoder_layer_parameters():
    layer = tl.EncoderLayer(tl.LayerConfig(d_model=64, num_heads=8, d_ff=256), np.random.default_rng(0))
    assert layer.num_parameters() == 4 * (64 * 64 + 64) + 2 * 2 * 64 + 64 * 256 + 256 + 256 * 64 + 64
    solution = 4 * (D * D + D) + 2 * 2 * D + (D * F + F) + (F * D + D)
    assert solution == tl.EncoderLayer(tl.LayerConfig(d_model=D, num_heads=H, d_ff=F, dtype="float32"),
                                       np.random.default_rng(0)).num_parameters()
    assert nb07.check_encoder_layer_parameters(solution).passed
    weights = 4 * D * D + 2 * D * F
    for answer, words in [
        (weights, "weight matrices only"),
        (weights + 4 * D + F + D, "layer norms"),
        (weights + 4 * D, "plus 4,096"),
        (4 * (D * D + D), "attention block alone"),
        (D * F + F + F * D + D, "FFN alone"),
        (H * 4 * (D * D + D) + D * F + F + F * D + D + 4 * D, "share"),
        (3_152_384, "base model"),
        (123, "not 123"),
        ("12596224", "whole number"),
        (..., "Not attempted"),
    ]:
        result = nb07.check_encoder_layer_parameters(answer)
        assert not result.passed and words in result.message, answer


def test_encoder_parameters():
    per_layer = 12_596_224
    assert nb07.check_encoder_parameters(N * per_layer).passed
    for answer, words in [(per_layer, "one layer"), (H * per_layer, "number of heads"), (18_914_304, "base model"),
                          (None, "Not attempted"), (1.5, "whole number")]:
        result = nb07.check_encoder_parameters(answer)
        assert not result.passed and words in result.message


def test_stack_output_shape():
    encoder = tl.Encoder(2, tl.LayerConfig(d_model=16, num_heads=4, d_ff=32), np.random.default_rng(0))
    assert encoder.forward(np.zeros((5, 7, 16))).shape == (5, 7, 16)  # the rule the exercise asks for
    assert nb07.check_stack_output_shape((32, 10, D)).passed
    assert nb07.check_stack_output_shape([32, 10, D]).passed
    assert nb07.check_stack_output_shape(np.zeros((32, 10, D)).shape).passed
    for answer, words in [((32, 10, F), "d_ff"), ((10, D), "batch"), ((32, D), "pool"), ((32, 10, 64), "d_k"),
                          ((32, 10, 10), "attention weights"), ((32, 10, N * D), "concatenated"),
                          ((32, 10, 512), "base model"), ((32, 10, 6), "not (32, 10, 6)"),
                          ("(32, 10, 1024)", "tuple"), ((32.0, 10, D), "tuple"), (np.zeros((32, 10, D)), "tuple"),
                          (..., "Not attempted")]:
        result = nb07.check_stack_output_shape(answer)
        assert not result.passed and words in result.message, answer


def test_attention_map_count():
    assert nb07.check_attention_map_count(N * H).passed
    for answer, words in [(N, "every head"), (H, "6 layers"), (1, "each layer"), (48, "base model"),
                          (192, "not 192"), ("96", "whole number")]:
        result = nb07.check_attention_map_count(answer)
        assert not result.passed and words in result.message


@pytest.mark.parametrize("checker", [nb07.check_encoder_layer_parameters, nb07.check_encoder_parameters,
                                     nb07.check_stack_output_shape, nb07.check_attention_map_count])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), float("inf"), -1, b"x"]:
        assert not checker(answer).passed
