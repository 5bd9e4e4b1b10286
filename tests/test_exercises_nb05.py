import numpy as np
import pytest

from transformer_lib.exercises import nb05
from transformer_lib.lessons.toy import SOURCE_IDS, toy_model


def trace():
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    return model.trace()


# -- exercise 1: normalise one token by hand ----------------------------------------------------
def test_normalized_token_accepts_the_solution():
    x = trace()["encoder.layers.0.attention_sum"][0, 1]
    solution = (x - x.mean()) / np.sqrt(x.var() + 1e-5)
    assert nb05.check_normalized_token(solution).passed
    assert nb05.check_normalized_token(list(solution)).passed
    assert nb05.check_normalized_token((x - x.mean()) / x.std()).passed  # without eps: same to 1e-4
    np.testing.assert_array_equal(nb05.exercise_vector(), x)


@pytest.mark.parametrize("mistake, words", [
    (lambda x: (x - x.mean()) / x.std(ddof=1), "n - 1"),
    (lambda x: x / x.std(), "did not subtract the mean"),
    (lambda x: (x - x.mean()) / x.var(), "variance"),
    (lambda x: x - x.mean(), "did not divide"),
    (lambda x: np.zeros(6), "expected"),
])
def test_normalized_token_rejects_typical_mistakes(mistake, words):
    result = nb05.check_normalized_token(mistake(nb05.exercise_vector()))
    assert not result.passed and words in result.message


@pytest.mark.parametrize("answer, words", [
    (..., "Not attempted"), (None, "Not attempted"), ("abc", "array of numbers"), (np.zeros(3), "shape"),
    (np.zeros((3, 6)), "shape"),
])
def test_normalized_token_non_answers(answer, words):
    result = nb05.check_normalized_token(answer)
    assert not result.passed and words in result.message


# -- exercise 2: gain and bias -------------------------------------------------------------------
def test_gain_and_bias_accepts_the_solution():
    assert nb05.check_gain_and_bias((np.full(6, 3.0), np.full(6, 2.0))).passed
    assert nb05.check_gain_and_bias([[3.0] * 6, [2.0] * 6]).passed
    assert nb05.check_gain_and_bias((np.full(6, -3.0), np.full(6, 2.0))).passed  # mirrored, still std 3


@pytest.mark.parametrize("answer, words", [
    ((np.full(6, 2.0), np.full(6, 3.0)), "swapped"),
    ((np.ones(6), np.zeros(6)), "means are"),
    ((np.full(6, 9.0), np.full(6, 2.0)), "standard deviations"),
    ((3.0, 2.0), "shapes"),
    ((np.full(3, 3.0), np.full(3, 2.0)), "shapes"),
    (np.full(6, 3.0), "pair"),
    ("3, 2", "pair"),
    ((..., ...), "Not attempted"),
    (..., "Not attempted"),
    ((["a"] * 6, ["b"] * 6), "numbers"),
])
def test_gain_and_bias_rejects(answer, words):
    result = nb05.check_gain_and_bias(answer)
    assert not result.passed and words in result.message


# -- exercises 3 and 4: axes ---------------------------------------------------------------------
@pytest.mark.parametrize("answer", [2, -1, (2,), [-1], np.int64(2)])
def test_layer_norm_axis_accepts(answer):
    assert nb05.check_layer_norm_axis(answer).passed


@pytest.mark.parametrize("answer, words", [
    (0, "batch norm"), (1, "tokens"), ((0, 1), "batch norm"), (3, "3 axes"), ("last", "whole number"),
    (True, "whole number"), (2.0, "whole number"), (..., "Not attempted"), ((), "whole number"),
])
def test_layer_norm_axis_rejects(answer, words):
    result = nb05.check_layer_norm_axis(answer)
    assert not result.passed and words in result.message


@pytest.mark.parametrize("answer", [(0, 1), [1, 0], (-3, -2)])
def test_batch_norm_axes_accepts(answer):
    assert nb05.check_batch_norm_axes(answer).passed


@pytest.mark.parametrize("answer, words", [
    (2, "layer norm"), (0, "tokens"), (1, "every sentence"), ((0, 1, 2), "not it"), (None, "Not attempted"),
    ("0, 1", "whole number"),
])
def test_batch_norm_axes_rejects(answer, words):
    result = nb05.check_batch_norm_axes(answer)
    assert not result.passed and words in result.message
