import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.exercises import nb08


def test_causal_mask():
    solution = np.triu(np.ones((4, 4), dtype=bool), k=1)
    np.testing.assert_array_equal(solution, tl.causal_mask(4))
    assert nb08.check_causal_mask(solution).passed
    assert nb08.check_causal_mask(solution.astype(int)).passed
    assert nb08.check_causal_mask(solution.tolist()).passed
    for answer, words in [
        (~solution, "True = masked out"),
        (solution.T, "hides the past"),
        (np.triu(np.ones((4, 4), dtype=bool)), "diagonal is masked"),
        (tl.causal_mask(3), "shape (3, 3)"),
        (np.where(solution, -np.inf, 0.0), "additive form"),
        (np.zeros((4, 4), dtype=bool), "entry [0, 1]"),
        (solution * 2, "only True/False"),
        ("upper", "array of True/False"),
        (..., "Not attempted"),
        (None, "Not attempted"),
    ]:
        result = nb08.check_causal_mask(answer)
        assert not result.passed and words in result.message, answer


def test_shift_right():
    target = [0, 10, 3, 4]
    solution = [toy.BOS_ID, *target[:-1]]
    assert nb08.check_shift_right(solution).passed
    assert nb08.check_shift_right(np.array(solution)).passed
    assert nb08.check_shift_right(tuple(solution)).passed
    assert "<bos> naneun gaereul joahae" in nb08.check_shift_right(solution).message
    for answer, words in [
        (target, "target itself"),
        ([2, 0, 10, 3, 4], "drop the last token"),
        ([10, 3, 4, 2], "shifts left"),
        ([10, 3, 4], "shifts left"),
        ([0, 10, 3], "<bos> is missing"),
        ([4, 0, 10, 3], "not <eos>"),
        ([1, 0, 10, 3], "not <pad>"),
        ([2, 0, 6, 3], "not [2, 0, 6, 3]"),
        (["<bos>", "naneun", "gaereul", "joahae"], "not names"),
        ([2, 0.5, 10, 3], "whole-number"),
        ("2 0 10 3", "list of token ids"),
        (2, "list of token ids"),
        (..., "Not attempted"),
    ]:
        result = nb08.check_shift_right(answer)
        assert not result.passed and words in result.message, answer


def test_zero_weights_match_the_package():
    model = toy.toy_model(seed=0)
    tokens = np.array([nb08.PADDED_INPUT])
    model.decode(tokens, model.encode(toy.SOURCE_IDS[None]), tgt_padding=tokens == toy.PAD_ID)
    weights = model.trace()["decoder.layers.0.self_attn.weights"][0]  # (h, 4, 4)
    zeros = {(int(r), int(c)) for r, c in np.argwhere(np.all(weights == 0.0, axis=0))}
    assert zeros == nb08.zero_weight_pairs()
    assert len(zeros) == 9


def test_zero_weights():
    causal = {(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)}
    solution = causal | {(2, 2), (3, 2), (3, 3)}
    assert nb08.check_zero_weights(solution).passed
    assert "(2, 2), (3, 2), (3, 3)" in nb08.check_zero_weights(solution).message
    assert nb08.check_zero_weights(sorted(solution)).passed
    assert nb08.check_zero_weights([list(p) for p in solution]).passed
    assert nb08.check_zero_weights(np.array(sorted(solution))).passed
    for answer, words in [
        (causal, "causal zeros"),
        ({(r, c) for r in range(4) for c in (2, 3)}, "padding zeros"),
        (causal | {(r, c) for r in (2, 3) for c in range(4)}, "not the <pad> queries' rows"),
        ({(c, r) for r, c in solution}, "(query, key) = (row, column)"),
        (causal | {(0, 0), (1, 1), (2, 2), (3, 3)}, "diagonal is not masked"),
        (solution | {(0, 0), (1, 1)}, "diagonal is not masked"),
        (solution | {(0, 4)}, "numbered 0 to 3"),
        (solution - {(1, 3)}, "missing (1, 3)"),
        (solution | {(1, 0)}, "(1, 0) is not zero"),
        ({(0, 1, 2)}, "pairs of whole numbers"),
        ({"a": 1}, "set of (query, key) pairs"),
        ("(0, 1)", "set of (query, key) pairs"),
        (..., "Not attempted"),
    ]:
        result = nb08.check_zero_weights(answer)
        assert not result.passed and words in result.message, answer


def test_moved_positions_match_the_package():
    model = toy.toy_model(seed=0)
    memory = model.encode(toy.SOURCE_IDS[None])
    before = np.array([[2, 0, 6, 3, 4]])
    after = before.copy()
    after[0, nb08.MOVE_POSITION] = 10
    outputs = []
    for ids in (before, after):
        model.decode(ids, memory)
        outputs.append(model.trace()["decoder_output"][0])
    moved = [t for t in range(nb08.MOVE_LENGTH) if not np.array_equal(outputs[0][t], outputs[1][t])]
    assert moved == [1, 2, 3, 4]


def test_moved_positions():
    for solution in ([1, 2, 3, 4], {1, 2, 3, 4}, (4, 3, 2, 1), range(1, 5), np.arange(1, 5)):
        assert nb08.check_moved_positions(solution).passed, solution
    for answer, words in [
        ([2, 3, 4], "own input token"),
        ([0, 1], "reversed"),
        ([0], "reversed"),
        ([0, 1, 2, 3, 4], "without the mask"),
        ([1], "later positions"),
        ([1, 2], "not [1, 2]"),
        ("1, 2, 3, 4", "list of positions"),
        (1, "list of positions"),
        (["one"], "positions (numbers)"),
        (..., "Not attempted"),
    ]:
        result = nb08.check_moved_positions(answer)
        assert not result.passed and words in result.message, answer


@pytest.mark.parametrize("checker", [nb08.check_causal_mask, nb08.check_shift_right, nb08.check_zero_weights,
                                     nb08.check_moved_positions])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), float("inf"), -1, b"x", [], np.zeros(0), [None],
                   np.array([[True]]), [(0, 1.5)], [float("nan")]]:
        assert not checker(answer).passed, answer
