import numpy as np
import pytest

from transformer_lib import toy
from transformer_lib.exercises import nb00


def test_sequential_steps():
    for solution in [(20, 1), [20, 1], np.array([20, 1]), (20.0, 1.0)]:
        assert nb00.check_sequential_steps(solution).passed, solution
    for answer, words in [
        ((1, 20), "reversed"),
        ((19, 1), "19 is the number of hops"),
        ((20, 20), "not more steps"),
        ((20, 400), "not more steps"),
        ((3, 1), "not (3, 1)"),
        ((20, 1, 0), "exactly two numbers"),
        ((20.5, 1), "whole numbers"),
        ("20, 1", "pair of whole numbers"),
        (20, "pair of whole numbers"),
        (..., "Not attempted"),
    ]:
        result = nb00.check_sequential_steps(answer)
        assert not result.passed and words in result.message, answer


def test_path_length():
    assert nb00.check_path_length((19, 1)).passed
    assert nb00.check_path_length([np.int64(19), np.int64(1)]).passed
    for answer, words in [
        ((1, 19), "reversed"),
        ((20, 1), "19 hops"),
        ((19, 0), "one hop"),
        ((19, 19), "not (19, 19)"),
        ((True, 1), "whole numbers"),
        (None, "Not attempted"),
    ]:
        result = nb00.check_path_length(answer)
        assert not result.passed and words in result.message, answer


def test_score_shape_matches_the_package():
    model = toy.toy_model(seed=0)
    model.encode(np.array([[5, 8, 9, 7, 8, 9, 5]]))
    scores = model.trace()["encoder.layers.0.self_attn.scores"]   # (1, heads, 7, 7)
    assert scores.shape[2:] == (nb00.SCORE_TOKENS, nb00.SCORE_TOKENS)
    assert nb00.check_score_shape(scores.shape[2:]).passed
    assert nb00.check_score_shape([7, 7]).passed
    for answer, words in [
        ((7, 3), "d_k = 3"),
        ((3, 7), "d_k = 3"),
        ((7, 6), "tokens x d_model"),
        ((3, 3), "running example's 3 words"),
        ((49, 1), "not (49, 1)"),
        ("7 x 7", "pair of whole numbers"),
        (..., "Not attempted"),
    ]:
        result = nb00.check_score_shape(answer)
        assert not result.passed and words in result.message, answer


def test_output_shape_matches_the_package():
    model = toy.toy_model(seed=0)
    logits = model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])
    assert nb00.check_output_shape(logits.shape).passed            # (1, 3, 11)
    assert nb00.check_output_shape(logits.shape[1:]).passed
    for answer, words in [
        ((11, 3), "transposed"),
        ((3, 6), "before the final linear layer"),
        ((3, 3), "not an attention map"),
        ((2, 3, 11), "exactly two numbers"),
        ((3, 12), "not (3, 12)"),
        (..., "Not attempted"),
    ]:
        result = nb00.check_output_shape(answer)
        assert not result.passed and words in result.message, answer


@pytest.mark.parametrize("checker", [nb00.check_sequential_steps, nb00.check_path_length, nb00.check_score_shape,
                                     nb00.check_output_shape])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), (float("nan"), 1), (float("inf"), 1), -1, b"x", [],
                   np.zeros(0), [None, None], np.zeros((2, 2)), {1, 2}]:
        assert not checker(answer).passed, answer
