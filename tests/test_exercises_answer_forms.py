"""The answer checkers of chapters 06 to 09 take an answer in the forms a reader naturally gives
it: a number as a 0-d NumPy array, a shape as a NumPy array, values copied from the notebook's
printout (4 decimals, or 3 significant digits); a wrong number is told which way it is off,
and a part left as ``...`` is "not attempted", never answered for the reader."""

import numpy as np

from transformer_lib.exercises import nb06, nb07, nb09
from transformer_lib.exercises._counts import check_count, check_shape
from transformer_lib.exercises.feedback import ROUNDED, check_matrix, check_scalar
from transformer_lib.lessons.toy import SOURCE_IDS, toy_model


def test_a_count_may_be_a_0d_array_and_a_wrong_one_is_told_its_direction():
    assert check_count(np.array(4096), 4096, "d_ff", "").passed
    assert check_count(np.int64(4096), 4096, "d_ff", "").passed
    assert "too small" in check_count(np.array(4000), 4096, "d_ff", "").message
    assert "too large" in check_count(5000, 4096, "d_ff", "", {5000: "why"}).message
    assert "why" in check_count(5000, 4096, "d_ff", "", {5000: "why"}).message
    assert not check_count(np.array([4096]), 4096, "d_ff", "").passed  # an array of one entry is not a number
    assert "whole number" in check_count(np.array(True), 4096, "d_ff", "").message
    assert nb06.check_d_ff(np.array(4096)).passed
    assert nb07.check_encoder_parameters(np.array(6 * 12_596_224)).passed
    assert nb09.check_decoder_layer_parameters(np.array(690)).passed


def test_a_shape_may_be_a_numpy_array():
    assert check_shape(np.array([32, 10, 1024]), (32, 10, 1024), "the output shape", "").passed
    assert nb07.check_stack_output_shape(np.array(np.zeros((32, 10, 1024)).shape)).passed
    assert not check_shape(np.array([32.0, 10.0, 1024.0]), (32, 10, 1024), "the output shape", "").passed
    answer = {"Q": np.array([4, 3]), "K": np.array([7, 3]), "V": (7, 3), "weights": [4, 7]}
    assert nb09.check_cross_attention_shapes(answer).passed


def test_a_wrong_scalar_is_told_which_way_it_is_off():
    assert "too large" in check_scalar(9.0, 8.0, "the std", "").message
    assert "too small" in check_scalar(np.array(7.0), 8.0, "the std", "").message
    assert check_scalar(np.array(8.0), 8.0, "the std", "").passed


def test_values_copied_from_the_printout_are_accepted():
    expected = np.array([0.123456, -1.234567, 12.345678, 0.0])
    assert check_matrix(np.round(expected, 4), expected, "x", "", **ROUNDED).passed
    assert check_matrix([0.123, -1.23, 12.3, 0.0], expected, "x", "", **ROUNDED).passed
    assert not check_matrix([0.12, -1.23, 12.3, 0.0], expected, "x", "", **ROUNDED).passed  # 2 digits
    assert not check_matrix(expected * 1.01, expected, "x", "", **ROUNDED).passed


def test_the_ffn_of_one_token_may_be_copied_from_the_printout():
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    trace, ffn = model.trace(), model.encoder.layers[0].ffn
    x = trace["encoder.layers.0.add_norm_1"][0, 2]
    hidden = x @ ffn.linear1.weight + ffn.linear1.bias
    solution = np.maximum(hidden, 0) @ ffn.linear2.weight + ffn.linear2.bias
    assert nb06.check_ffn_by_hand(np.round(solution, 4)).passed
    assert nb06.check_ffn_by_hand(np.array([float(f"{v:.3g}") for v in solution])).passed
    message = nb06.check_ffn_by_hand(np.round(hidden @ ffn.linear2.weight + ffn.linear2.bias, 4)).message
    assert "skipped the ReLU" in message


def test_a_part_left_as_ellipsis_is_not_answered_for_the_reader():
    answer = {"Q": (4, 3), "K": ..., "V": (7, 3), "weights": (4, 7)}
    message = nb09.check_cross_attention_shapes(answer).message
    assert not nb09.check_cross_attention_shapes(answer).passed
    assert "answer['K'] is still Ellipsis" in message and "(7, 3)" not in message
