import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.exercises import nb01


def test_one_hot():
    solution = np.zeros((3, 11))
    solution[[0, 1, 2], [9, 5, 9]] = 1
    assert nb01.check_one_hot(solution).passed
    assert nb01.check_one_hot(solution.astype(int).tolist()).passed
    assert nb01.check_one_hot(solution.astype(bool)).passed
    shifted = np.zeros((3, 11))
    shifted[[0, 1, 2], [8, 4, 8]] = 1
    for answer, words in [
        (solution.T, "transposed"),
        (shifted, "one column too far left"),
        (solution.sum(axis=0), "bag of words"),
        (solution[:2], "shape (2, 11)"),
        (solution * 2, "the one-hot matrix[0, 9] is 2.0000"),
        ("cats I cats", "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb01.check_one_hot(answer)
        assert not result.passed and words in result.message, answer


def test_lookup():
    model = toy.toy_model(seed=0)
    table = model.src_embed.weight
    solution = table[[8, 9]] * np.sqrt(6)
    np.testing.assert_allclose(solution, np.eye(11)[[8, 9]] @ table * np.sqrt(6), atol=1e-12)
    assert nb01.check_lookup(solution).passed
    for answer, words in [
        (table[[8, 9]], "plain table rows"),
        (table[[8, 9]] * 6, "not d_model"),
        (table[[8, 9]] / np.sqrt(6), "don't divide"),
        (table[[9, 10]] * np.sqrt(6), "ids count from 0"),
        (table[[9, 8]] * np.sqrt(6), "wrong order"),
        (table[8] * np.sqrt(6), "shape (6,)"),
        (table[[5, 9]] * np.sqrt(6), "Hint"),
        (None, "Not attempted"),
    ]:
        result = nb01.check_lookup(answer)
        assert not result.passed and words in result.message, answer


def test_gradient_matches_the_package_layer():
    model = toy.toy_model(seed=0)
    layer = model.src_embed
    layer.zero_grad()
    layer.forward(np.array(nb01.GRADIENT_IDS))
    layer.backward(nb01.gradient_dout())
    np.testing.assert_allclose(layer.gradients()["weight"], nb01.gradient_solution(), atol=1e-12)
    # The same gradient through the one-hot product: d(one_hot @ W * s) / dW = s * one_hotᵀ dout.
    one_hot = np.eye(11)[list(nb01.GRADIENT_IDS)]
    np.testing.assert_allclose(one_hot.T @ nb01.gradient_dout() * np.sqrt(6), nb01.gradient_solution(), atol=1e-12)


def test_embedding_gradient():
    dout, s = nb01.gradient_dout(), np.sqrt(6)
    solution = np.zeros((11, 6))
    for position, token in enumerate(nb01.GRADIENT_IDS):
        solution[token] += s * dout[position]
    assert nb01.check_embedding_gradient(solution).passed
    last_wins = np.zeros((11, 6))
    last_wins[list(nb01.GRADIENT_IDS)] += s * dout
    first_wins = solution.copy()
    first_wins[8] = s * dout[1]
    for answer, words in [
        (last_wins, "last position's gradient"),
        (first_wins, "first position's gradient"),
        (solution / s, "multiplied by sqrt(6) too"),
        (s * dout, "one row per position"),
        (solution[:, :3], "shape (11, 3)"),
        (solution + 0.5, "Hint"),
        ([["a"]], "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb01.check_embedding_gradient(answer)
        assert not result.passed and words in result.message, answer


def test_paper_table_size():
    assert nb01.check_paper_table_size(37000 * 512).passed
    assert nb01.check_paper_table_size(18_944_000.0).passed
    assert nb01.check_paper_table_size(np.int64(18_944_000)).passed
    for answer, words in [
        (37000 + 512, "a product"),
        (3 * 37000 * 512, "count it once"),
        (37000, "expected something else"),
        ("18944000", "single number"),
        (True, "single number"),
        (..., "Not attempted"),
    ]:
        result = nb01.check_paper_table_size(answer)
        assert not result.passed and words in result.message, answer


def test_gradient_by_finite_differences():
    layer = tl.Embedding(11, 6, np.random.default_rng(0))
    ids, dout = np.array(nb01.GRADIENT_IDS), nb01.gradient_dout()
    layer.forward(ids)
    layer.backward(dout)
    numeric = tl.numerical_gradient(lambda: float(np.sum(layer.forward(ids) * dout)), layer.weight)
    np.testing.assert_allclose(numeric, nb01.gradient_solution(), atol=1e-6)


@pytest.mark.parametrize("checker", [nb01.check_one_hot, nb01.check_lookup, nb01.check_embedding_gradient,
                                     nb01.check_paper_table_size])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), float("inf"), -1, b"x", [], np.zeros(0), [None],
                   np.full((3, 11), np.nan), np.full((11, 6), np.inf), [1.5] * 5]:
        assert not checker(answer).passed, answer
