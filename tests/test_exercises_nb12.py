import numpy as np

import transformer_lib as tl
from transformer_lib import reversal as rv
from transformer_lib.exercises import nb12


def test_warmup_learning_rate():
    solution = 32**-0.5 * min(100**-0.5, 100 * 400**-1.5)
    assert np.isclose(solution, tl.warmup_learning_rate(100, 32, 400))
    assert nb12.check_warmup_learning_rate(solution).passed
    assert nb12.check_warmup_learning_rate(np.float32(solution)).passed
    for answer, words in [
        (100 * 400**-1.5, "d_model^-0.5 is missing"),
        (32**-0.5 * 100**-0.5, "decay branch"),
        (32**0.5 * 100 * 400**-1.5, "not times sqrt(32)"),
        (32**-0.5 * 400**-0.5, "peak rate"),
        (32**-0.5 * 100 * 400**-0.5, "warmup to the power -1.5"),
        (0.5, "not the rate at step 100"),
        ("0.0022", "single number"),
        ([solution], "single number"),
        (True, "single number"),
        (float("nan"), "finite"),
        (..., "Not attempted"),
    ]:
        result = nb12.check_warmup_learning_rate(answer)
        assert not result.passed and words in result.message, answer


def test_reversal_decoder_input():
    content = [5, 3, 10, 7]  # c a h e
    solution = [rv.BOS_ID, *content[::-1]]
    batch = rv.reversal_batch(np.array([content + [rv.PAD_ID] * 6]))
    assert batch.tgt_in[0, :5].tolist() == solution
    assert nb12.check_reversal_decoder_input(solution).passed
    assert nb12.check_reversal_decoder_input(np.array(solution)).passed
    assert "<bos> e h a c" in nb12.check_reversal_decoder_input(solution).message
    for answer, words in [
        ([1, 5, 3, 10, 7], "original order"),
        ([1, 7, 10, 3, 5, 2], "stops before <eos>"),
        ([7, 10, 3, 5, 2], "those are the labels"),
        ([7, 10, 3, 5], "<bos> (id 1) is missing"),
        ([2, 7, 10, 3, 5], "<bos> is id 1"),
        ([0, 7, 10, 3, 5], "not <pad>"),
        ([1, 7, 10, 3], "one token more"),
        ([1, 7, 10, 5, 3], "not [1, 7, 10, 5, 3]"),
        (["<bos>", "e", "h", "a", "c"], "not names"),
        ([1, 7.5, 10, 3, 5], "whole-number"),
        ("1 7 10 3 5", "list of token ids"),
        (..., "Not attempted"),
    ]:
        result = nb12.check_reversal_decoder_input(answer)
        assert not result.passed and words in result.message, answer


def test_exact_match_accuracy():
    predictions, labels = nb12.EXACT_MATCH_PREDICTIONS, nb12.EXACT_MATCH_LABELS
    # by hand: a sequence is right if it agrees wherever the labels are not <pad>
    solution = np.mean([all(p == l for p, l in zip(pr, la, strict=True) if l != rv.PAD_ID)
                        for pr, la in zip(predictions.tolist(), labels.tolist(), strict=True)])
    assert solution == 0.6
    assert nb12.check_exact_match_accuracy(solution).passed
    assert nb12.check_exact_match_accuracy(3 / 5).passed
    assert "sequences 0, 2, 4 are right" in nb12.check_exact_match_accuracy(0.6).message
    real = labels != rv.PAD_ID
    for answer, words in [
        (60, "percentage"),
        (3, "number of right sequences"),
        (float(((predictions == labels) & real).sum() / real.sum()), "token-level"),
        (0.0, "not compared"),
        (0.8, "not the exact-match accuracy"),
        ("0.6", "single number"),
        (None, "Not attempted"),
    ]:
        result = nb12.check_exact_match_accuracy(answer)
        assert not result.passed and words in result.message, answer
