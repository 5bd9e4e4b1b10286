"""The model checks its inputs once, at the boundary; NaN is still caught, at the loss."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.model.validation import check_array, checked_at_the_boundary


def test_inside_the_block_only_the_nan_scan_is_skipped():
    x = np.array([[1.0, np.nan]])
    with checked_at_the_boundary():
        assert check_array(x, "x") is x
        with pytest.raises(ValueError, match="x has shape"):
            check_array(x, "x", shape=(1, 3))
    with pytest.raises(ValueError, match="x contains NaN"):
        check_array(x, "x")


def test_the_scan_comes_back_after_an_error_inside_the_block():
    with pytest.raises(RuntimeError), checked_at_the_boundary():
        raise RuntimeError("inside")
    with pytest.raises(ValueError, match="contains NaN"):
        check_array(np.array([np.inf]), "x")


def test_a_nan_weight_is_still_caught():
    src, tgt_in, tgt_out = np.array([[5, 8, 9]]), np.array([[1, 0, 6]]), np.array([[0, 6, 3]])
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    model.parameters()["decoder.layers.0.ffn.linear1.weight"][0, 0] = np.nan
    logits = model.forward(src, tgt_in)
    with pytest.raises(ValueError, match="logits contains NaN or inf"):
        tl.CrossEntropyLoss().forward(logits, tgt_out)
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    model.parameters()["encoder.layers.0.ffn.linear1.weight"][0, 0] = np.nan
    with pytest.raises(ValueError, match="memory contains NaN or inf"):  # decode checks the encoder's output
        model.forward(src, tgt_in)


def test_a_layer_called_on_its_own_still_scans_its_input():
    x = np.zeros((1, 2, 6))
    x[0, 1, 3] = np.nan
    with pytest.raises(ValueError, match="x contains NaN"):
        tl.LayerNorm(6).forward(x)


def test_decode_still_scans_the_memory_it_is_given():
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    memory = np.zeros((1, 3, 6))
    memory[0, 2, 1] = np.nan
    with pytest.raises(ValueError, match="memory contains NaN"):
        model.decode(np.array([[1, 0]]), memory)
