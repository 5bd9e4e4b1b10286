import math

import numpy as np

import transformer_lib as tl
from transformer_lib.exercises import nb04


def test_head_shapes_match_the_package():
    layer = tl.MultiHeadAttention(nb04.PAPER_D_MODEL, nb04.PAPER_HEADS, np.random.default_rng(0), dtype=np.float32)
    x = np.zeros((1, nb04.SENTENCE_LENGTH, nb04.PAPER_D_MODEL), dtype=np.float32)
    layer.forward(x, x)
    trace = layer.trace()
    expected = nb04.expected_shapes()
    assert trace["Q"].shape[2:] == expected["Q"] and trace["weights"].shape[2:] == expected["weights"]
    assert trace["concat"].shape[1:] == expected["concat"]


def test_head_shapes():
    solution = {"Q": (10, 64), "weights": (10, 10), "concat": (10, 512)}
    assert nb04.check_head_shapes(solution).passed
    assert nb04.check_head_shapes({k: list(v) for k, v in solution.items()}).passed
    for answer, words in [
        ({**solution, "Q": (10, 512)}, "before the split"),
        ({**solution, "Q": (10, 8)}, "not 8"),
        ({**solution, "weights": (10, 64)}, "tokens x tokens"),
        ({**solution, "concat": (10, 64)}, "8 x 64 columns"),
        ({**solution, "concat": (8, 10, 64)}, "one matrix"),
        ({**solution, "concat": (10, 500)}, "not (10, 500)"),
        ({"Q": (10, 64)}, "missing ['concat', 'weights']"),
        ({**solution, "Q": "10 x 64"}, "tuple of whole numbers"),
        ([(10, 64)], "dict"),
        (..., "Not attempted"),
    ]:
        result = nb04.check_head_shapes(answer)
        assert not result.passed and words in result.message, answer


def test_head_2_query():
    full, heads = nb04.running_example_q()
    np.testing.assert_allclose(np.hstack(heads), full, atol=1e-12)
    assert nb04.check_head_2_query(full[:, 3:]).passed
    assert nb04.check_head_2_query(full.reshape(3, 2, 3)[:, 1]).passed
    for answer, words in [
        (full[:, :3], "head 1"),
        (full.reshape(2, 3, 3)[1], "mixes the tokens"),
        (full[:, 1::2], "interleaves"),
        (full[1:, :], "not the tokens"),
        (full[:, 3:] + 1, "expected"),
        (full, "shape (3, 6)"),
        ("Q", "array of numbers"),
        (None, "Not attempted"),
    ]:
        result = nb04.check_head_2_query(answer)
        assert not result.passed and words in result.message, answer


def test_paper_scale():
    assert nb04.check_paper_scale(math.sqrt(3)).passed
    assert nb04.check_paper_scale(np.sqrt(6 / 2)).passed
    assert nb04.check_paper_scale(1.7321).passed
    for answer, words in [
        (math.sqrt(6), "source document"),
        (3, "square root"),
        (1 / math.sqrt(3), "multiplied by"),
        (6, "d_model"),
        (2, "expected something else"),
        ("sqrt(3)", "single number"),
        (..., "Not attempted"),
    ]:
        result = nb04.check_paper_scale(answer)
        assert not result.passed and words in result.message, answer


def test_attention_parameters():
    expected = tl.MultiHeadAttention(512, 8, np.random.default_rng(0), dtype=np.float32).num_parameters()
    assert expected == 1_050_624
    assert nb04.check_attention_parameters(expected).passed
    assert nb04.check_attention_parameters(float(expected)).passed
    for answer, words in [
        (8 * expected, "do not add weights"),
        (4 * 512 * 512, "bias"),
        (3 * (512 * 512 + 512), "W_O"),
        (4 * 8 * (64 * 64 + 64), "512 x 64"),
        (12345, "not 12,345"),
        ("1050624", "whole number"),
        (1.5, "whole number"),
        (..., "Not attempted"),
    ]:
        result = nb04.check_attention_parameters(answer)
        assert not result.passed and words in result.message, answer
