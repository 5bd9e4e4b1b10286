import math

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.exercises import nb02


def hand_table(positions=3, d_model=6, even=math.sin, odd=math.cos, exponent=lambda dim: dim - dim % 2):
    return np.array([[(even if dim % 2 == 0 else odd)(pos / 10000 ** (exponent(dim) / d_model))
                      for dim in range(d_model)] for pos in range(positions)])


def test_pe_table():
    solution = hand_table()
    np.testing.assert_allclose(solution, tl.sinusoidal_positional_encoding(3, 6), atol=1e-12)
    assert nb02.check_pe_table(solution).passed
    assert nb02.check_pe_table(solution.tolist()).passed
    by_position = np.array([[(math.sin if pos % 2 == 0 else math.cos)(pos / 10000 ** ((dim - dim % 2) / 6))
                             for dim in range(6)] for pos in range(3)])
    for answer, words in [
        (solution.T, "transposed"),
        (hand_table(even=math.cos, odd=math.sin), "swapped"),
        (hand_table(exponent=lambda dim: dim), "shares 2i"),
        (by_position, "word position"),
        (hand_table(odd=math.sin), "every column is a sine"),
        (hand_table(even=lambda a: math.sin(math.radians(a)), odd=lambda a: math.cos(math.radians(a))), "degrees"),
        (solution + np.eye(3, 6) * 0.1, "the table[0, 0] is 0.1000"),
        (solution[:2], "shape (2, 6)"),
        ("sin", "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb02.check_pe_table(answer)
        assert not result.passed and words in result.message, answer


def test_row_order_matches_self_attention_without_pe():
    vocab = {w: i for i, w in enumerate(sorted(set(nb02.SENTENCE_A)))}
    rng = np.random.default_rng(3)
    embed, attention = tl.Embedding(len(vocab), 6, rng), tl.MultiHeadAttention(6, 2, rng)
    outputs = []
    for sentence in (nb02.SENTENCE_A, nb02.SENTENCE_B):
        x = embed.forward(np.array([[vocab[w] for w in sentence]]))
        outputs.append(attention.forward(x, x)[0])
    for order in ([0, 4, 2, 3, 1], [3, 4, 2, 0, 1]):
        assert nb02.permutation_is_consistent(order)
        np.testing.assert_allclose(outputs[1], outputs[0][order], atol=1e-12)
    assert not np.allclose(outputs[1], outputs[0])


def test_row_order():
    for solution in ([0, 4, 2, 3, 1], [3, 4, 2, 0, 1], (0, 4, 2, 0, 1), np.array([3, 4, 2, 3, 1])):
        assert nb02.check_row_order(solution).passed, solution
    for answer, words in [
        ([0, 1, 2, 3, 4], "nothing moved"),
        ([0, 4, 2, 3, 2], "row 4 of B is 'dog'"),
        ([0, 1, 2, 3], "4 numbers"),
        ([0, 4, 2, 3, 5], "numbered 0 to 4"),
        (["the", "man", "bites", "the", "dog"], "not words"),
        ([0, 4.0, 2, 3, 1], "whole row numbers"),
        ("0 4 2 3 1", "list of 5 row numbers"),
        (4, "list of 5 row numbers"),
        (..., "Not attempted"),
    ]:
        result = nb02.check_row_order(answer)
        assert not result.passed and words in result.message, answer


def test_encoder_input_row():
    model = toy.toy_model(seed=0)
    solution = model.src_embed.weight[9] * math.sqrt(6) + tl.sinusoidal_positional_encoding(3, 6)[2]
    model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])
    np.testing.assert_allclose(solution, model.trace()["src_input"][0, 2], atol=1e-12)
    assert nb02.check_encoder_input_row(solution).passed
    assert nb02.check_encoder_input_row(solution[None]).passed
    table, pe = model.src_embed.weight, model.pe
    for answer, words in [
        (table[9] + pe[2], "sqrt(6) first"),
        (table[9] * math.sqrt(6) + pe[9], "not by the token id"),
        (table[9] * math.sqrt(6) + pe[0], "position 2, not 0"),
        (table[9] * math.sqrt(6), "positional encoding is missing"),
        (pe[2], "embedding is missing"),
        ((table[9] + pe[2]) * math.sqrt(6), "not the sum"),
        (table[8] * math.sqrt(6) + pe[2], "Hint"),
        (solution[:3], "shape (3,)"),
        ({"cats": 1}, "array of numbers"),
        (None, "Not attempted"),
    ]:
        result = nb02.check_encoder_input_row(answer)
        assert not result.passed and words in result.message, answer


@pytest.mark.parametrize("checker", [nb02.check_pe_table, nb02.check_row_order, nb02.check_encoder_input_row])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), float("inf"), -1, b"x", [], np.zeros(0), [None],
                   np.full((3, 6), np.nan), np.full(6, np.inf), [1.5] * 5]:
        assert not checker(answer).passed, answer
