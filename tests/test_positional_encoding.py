"""The sinusoidal table follows the paper's formula entry by entry, for even and odd d_model."""

import math

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.model.positional_encoding import positional_encoding_at


@pytest.mark.parametrize("d_model", [1, 2, 5, 6, 7, 16])
def test_every_entry_follows_the_formula(d_model):
    max_len = 12
    pe = tl.sinusoidal_positional_encoding(max_len, d_model)
    assert pe.shape == (max_len, d_model) and pe.dtype == np.float64
    for pos in range(max_len):
        for j in range(d_model):
            i = j // 2  # dimensions 2i and 2i+1 share the frequency 1 / 10000^(2i / d_model)
            angle = pos / 10000 ** (2 * i / d_model)
            expected = math.sin(angle) if j % 2 == 0 else math.cos(angle)
            assert pe[pos, j] == pytest.approx(expected, rel=1e-12, abs=1e-15), (pos, j)


def test_the_source_example_position_zero_and_first_column():
    pe = tl.sinusoidal_positional_encoding(3, 6)
    np.testing.assert_array_equal(pe[0], [0, 1, 0, 1, 0, 1])  # sin 0 = 0, cos 0 = 1
    np.testing.assert_allclose(pe[:, 0], np.sin([0, 1, 2]), rtol=1e-15)


def test_float32_table_and_the_model_uses_the_table():
    assert tl.sinusoidal_positional_encoding(4, 6, dtype=np.float32).dtype == np.float32
    model = tl.Transformer(tl.TransformerConfig(embed_scale=False), seed=0)
    model.forward(np.array([[5, 8, 9]]), np.array([[2, 0, 6]]))
    trace = model.trace()
    np.testing.assert_allclose(trace["src_input"] - trace["src_embedding"], tl.sinusoidal_positional_encoding(3, 6)[None],
                               atol=1e-15)


@pytest.mark.parametrize("d_model", [1, 6, 7])
def test_the_formula_between_the_positions_passes_through_the_table(d_model):
    """`positional_encoding_at` is the table's formula at real positions: equal to the table at
    0, 1, 2, ... and, between them, the sine or cosine of pos / 10000^(2i / d_model)."""
    table = tl.sinusoidal_positional_encoding(8, d_model)
    np.testing.assert_array_equal(positional_encoding_at(np.arange(8), d_model), table)
    for pos in (0.25, 2.5, 6.75):
        row = positional_encoding_at(np.array([pos]), d_model)[0]
        for j in range(d_model):
            angle = pos / 10000 ** (2 * (j // 2) / d_model)
            assert row[j] == pytest.approx(math.sin(angle) if j % 2 == 0 else math.cos(angle), rel=1e-12, abs=1e-15)


def test_positions_must_be_a_list_and_d_model_a_positive_integer():
    with pytest.raises(ValueError, match=r"positions must be a 1-D array, got shape \(2, 2\)"):
        positional_encoding_at(np.zeros((2, 2)), 6)
    with pytest.raises(ValueError, match="d_model must be a positive integer, got 0"):
        tl.sinusoidal_positional_encoding(4, 0)
