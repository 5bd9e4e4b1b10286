import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.exercises import nb03


@pytest.fixture(scope="module")
def head():
    return nb03.single_head_trace()


def test_single_head_is_the_toy_models_weights_as_one_head(head):
    model = toy.toy_model(seed=0)
    model.encode(toy.SOURCE_IDS[None])
    trace = model.trace()
    np.testing.assert_allclose(head["Q"], trace["src_input"][0] @ model.encoder.layers[0].self_attn.w_q.weight,
                               atol=1e-12)
    np.testing.assert_allclose(head["Q"], np.hstack(trace["encoder.layers.0.self_attn.Q"][0]), atol=1e-12)
    np.testing.assert_allclose(head["weights"].sum(axis=1), 1.0, atol=1e-12)


def test_scaled_scores(head):
    q, k = head["Q"], head["K"]
    solution = q @ k.T / np.sqrt(6)
    assert nb03.check_scaled_scores(solution).passed
    assert nb03.check_scaled_scores(solution.tolist()).passed
    for answer, words in [
        (q @ k.T, "before the scaling"),
        (q @ k.T / 6, "not by 6 itself"),
        (q @ k.T / np.sqrt(3), "d_k = 6"),
        (q @ k.T * np.sqrt(6), "do not multiply"),
        (k @ q.T / np.sqrt(6), "transpose"),
        (solution + 0.1, "expected"),
        (solution[:2], "shape (2, 3)"),
        ("scores", "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb03.check_scaled_scores(answer)
        assert not result.passed and words in result.message, answer


def test_softmax_rows(head):
    scaled = head["scaled_scores"]
    e = np.exp(scaled)
    solution = e / e.sum(axis=1, keepdims=True)
    assert nb03.check_softmax_rows(solution).passed
    assert nb03.check_softmax_rows(tl.softmax(scaled)).passed
    for answer, words in [
        (e / e.sum(axis=0, keepdims=True), "column"),
        (e / e.sum(), "whole matrix"),
        (e, "divided by their row's sum"),
        (scaled, "apply the softmax"),
        (np.full((3, 3), 1 / 3), "expected"),
        (solution.ravel(), "shape (9,)"),
        (None, "Not attempted"),
    ]:
        result = nb03.check_softmax_rows(answer)
        assert not result.passed and words in result.message, answer


def test_attention_output(head):
    solution = head["weights"] @ head["V"]
    np.testing.assert_allclose(solution, head["head_outputs"], atol=1e-12)
    assert nb03.check_attention_output(solution).passed
    for answer, words in [
        (head["weights"].T @ head["V"], "transposed weights"),
        (head["scaled_scores"] @ head["V"], "not by the scores"),
        (head["weights"] @ head["Q"], "not of Q"),
        (head["output"], "after W_o"),
        (head["V"], "expected"),
        (solution.T, "shape (6, 3)"),
        ({"a": 1}, "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb03.check_attention_output(answer)
        assert not result.passed and words in result.message, answer


def test_dot_product_std():
    assert nb03.check_dot_product_std(8).passed
    assert nb03.check_dot_product_std(8.02).passed
    assert nb03.check_dot_product_std(np.sqrt(64)).passed
    for answer, words in [
        (64, "variance"),
        (1, "*after* dividing"),
        (0, "mean"),
        (4, "square root of the variance"),
        ("8", "single number"),
        ([8, 8], "single number"),
        (..., "Not attempted"),
    ]:
        result = nb03.check_dot_product_std(answer)
        assert not result.passed and words in result.message, answer
