import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.lessons.parameter_count import (
    encoder_layer_parameters,
    encoder_parameters,
    feed_forward_parameters,
    format_parameter_table,
    parameter_table,
)


@pytest.mark.parametrize("d_model, heads, d_ff", [(6, 2, 24), (8, 4, 16), (12, 1, 7), (64, 8, 256)])
def test_formula_matches_the_package(d_model, heads, d_ff):
    rng = np.random.default_rng(0)
    config = tl.LayerConfig(d_model=d_model, num_heads=heads, d_ff=d_ff)
    layer = tl.EncoderLayer(config, rng)
    assert layer.num_parameters() == encoder_layer_parameters(d_model, d_ff)
    assert tl.FeedForward(d_model, d_ff, rng).num_parameters() == feed_forward_parameters(d_model, d_ff)
    assert tl.Encoder(3, config, rng).num_parameters() == encoder_parameters(3, d_model, d_ff)
    for part, counted, formula in parameter_table(layer, 6):
        assert counted == formula, part


def test_heads_do_not_change_the_count():
    rng = np.random.default_rng(0)
    counts = {tl.EncoderLayer(tl.LayerConfig(d_model=16, num_heads=h, d_ff=32), rng).num_parameters() for h in (1, 2, 4, 8)}
    assert counts == {encoder_layer_parameters(16, 32)}


def test_base_model_numbers():
    assert encoder_layer_parameters(512, 2048) == 3_152_384
    assert encoder_parameters(6, 512, 2048) == 18_914_304


def test_table_text():
    layer = tl.EncoderLayer(tl.LayerConfig(d_model=6, num_heads=2, d_ff=24), np.random.default_rng(0))
    text = format_parameter_table(parameter_table(layer, 6))
    assert "one encoder layer" in text and "510" in text and "3,060" in text and "False" not in text
