import math

import numpy as np

from transformer_lib.exercises import nb13
from transformer_lib.lessons.beam_example import hand_model
from transformer_lib.lessons.toy import VOCAB


def test_length_penalised_score():
    solution = math.log(0.4 * 0.45 * 0.9 * 1.0) / ((5 + 4) / 6) ** 0.6
    assert nb13.check_length_penalised_score(solution).passed
    assert nb13.check_length_penalised_score(np.float32(solution)).passed
    for answer, words in [
        (math.log(0.162) / (8 / 6) ** 0.6, "<eos> too"),
        (math.log(0.162), "without the length penalty"),
        (math.log(0.162) / 1.5, "alpha = 1"),
        (math.log(0.162) * 1.5 ** 0.6, "this multiplies"),
        (0.162 / 1.5 ** 0.6, "not the probability"),
        (math.log10(0.162) / 1.5 ** 0.6, "not log10"),
        (math.log(0.162) / 9 ** 0.6, "divide 5 + |y| by 6"),
        (-1.0, "expected something else"),
        ("-1.43", "single number"),
        (..., "Not attempted"),
    ]:
        result = nb13.check_length_penalised_score(answer)
        assert not result.passed and words in result.message, answer


def softmax(scores):
    e = np.exp(scores - scores.max())
    return e / e.sum()


def attend_right(q, k_new, v_new, keys, values):
    keys, values = np.vstack([keys, k_new]), np.vstack([values, v_new])
    return softmax(keys @ q / np.sqrt(len(q))) @ values, keys, values


def attend_cache_only(q, k_new, v_new, keys, values):
    out = softmax(keys @ q / np.sqrt(len(q))) @ values if len(keys) else v_new
    return out, np.vstack([keys, k_new]), np.vstack([values, v_new])


def attend_unscaled(q, k_new, v_new, keys, values):
    keys, values = np.vstack([keys, k_new]), np.vstack([values, v_new])
    return softmax(keys @ q) @ values, keys, values


def attend_prepended(q, k_new, v_new, keys, values):
    keys, values = np.vstack([k_new, keys]), np.vstack([v_new, values])
    return softmax(keys @ q / np.sqrt(len(q))) @ values, keys, values


def attend_not_appended(q, k_new, v_new, keys, values):
    all_keys, all_values = np.vstack([keys, k_new]), np.vstack([values, v_new])
    return softmax(all_keys @ q / np.sqrt(len(q))) @ all_values, keys, values


def attend_placeholder(q, k_new, v_new, keys, values):
    ...


def attend_raises(q, k_new, v_new, keys, values):
    return q @ keys  # (d,) @ (t, d): shapes do not fit


def attend_stub(q, k_new, v_new, keys, values):
    """The notebook's stub."""
    raise NotImplementedError


def test_attend_with_cache():
    result = nb13.check_attend_with_cache(attend_right)
    assert result.passed and "torch.nn.functional.scaled_dot_product_attention" in result.message
    for answer, words in [
        (attend_cache_only, "attends to the cached positions only"),
        (attend_unscaled, "not divided by sqrt(d_k)"),
        (attend_prepended, "append them as the last row"),
        (attend_not_appended, "the returned keys and values are the old cache"),
        (attend_raises, "raised ValueError"),
        (lambda *args: args[0], "should return 3 values"),
        (lambda *args: ("output", "keys", "values"), "should be a NumPy array"),
        (attend_placeholder, "Not attempted"),
        (attend_stub, "Not attempted"),
        (..., "Not attempted"),
        ("softmax", "pass your function itself"),
    ]:
        result = nb13.check_attend_with_cache(answer)
        assert not result.passed and words in result.message, answer


def test_beam_after_step_2():
    # by hand: step 1 keeps goyangireul 0.5 and naneun 0.4; step 2's candidates, most probable first
    model = hand_model()
    names = {name: i for i, name in enumerate(VOCAB)}
    candidates = {f"{a} {b}": model.sequence_probability([names[a], names[b]])
                  for a in ("goyangireul", "naneun") for b in VOCAB}
    ranked = [c for c, _ in sorted(candidates.items(), key=lambda kv: -kv[1])]
    assert ranked[:4] == ["goyangireul joahae", "naneun <eos>", "naneun goyangireul", "goyangireul naneun"]
    solution = ["goyangireul joahae", "naneun goyangireul", "goyangireul naneun"]
    assert nb13.beam_after_step() == solution
    assert nb13.check_beam_after_step_2(solution).passed
    assert nb13.check_beam_after_step_2(("goyangireul  joahae", "naneun goyangireul", "goyangireul naneun")).passed
    for answer, words in [
        (["goyangireul joahae", "naneun <eos>", "naneun goyangireul"], "leaves the beam"),
        (["<bos> goyangireul joahae", "<bos> naneun goyangireul", "<bos> goyangireul naneun"], "leave out <bos>"),
        (["naneun goyangireul", "goyangireul joahae", "goyangireul naneun"], "wrong order"),
        (["goyangireul joahae", "naneun goyangireul"], "holds 3 hypotheses"),
        (["goyangireul joahae", "naneun goyangireul", "naneun gaereul"], "not ["),
        ("goyangireul joahae", "list of strings"),
        ([1, 2, 3], "list of strings"),
        (None, "Not attempted"),
    ]:
        result = nb13.check_beam_after_step_2(answer)
        assert not result.passed and words in result.message, answer


def top_p_right(probs, p):
    order = np.argsort(-probs, kind="stable")
    before = np.cumsum(probs[order]) - probs[order]
    keep = np.zeros(len(probs), dtype=bool)
    keep[order[before < p]] = True
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum()


def top_p_exclusive(probs, p):
    order = np.argsort(-probs, kind="stable")
    keep = np.zeros(len(probs), dtype=bool)
    keep[order[np.cumsum(probs[order]) <= p]] = True
    keep[order[0]] = True
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum()


def top_p_not_renormalised(probs, p):
    return top_p_right(probs, p) * probs[top_p_right(probs, p) > 0].sum()


def top_p_keeps_least_probable(probs, p):
    order = np.argsort(probs, kind="stable")
    before = np.cumsum(probs[order]) - probs[order]
    keep = np.zeros(len(probs), dtype=bool)
    keep[order[before < p]] = True
    kept = np.where(keep, probs, 0.0)
    return kept / kept.sum()


def test_top_p_filter():
    result = nb13.check_top_p_filter(top_p_right)
    assert result.passed and "sampling_distribution" in result.message
    for answer, words in [
        (top_p_exclusive, "makes the sum reach p is missing"),
        (top_p_not_renormalised, "not renormalised"),
        (top_p_keeps_least_probable, "least probable tokens are kept"),
        (lambda probs, p: probs[:2], "probs has shape (2,), expected (4,)"),
        (lambda probs, p: "uniform", "should be a NumPy array"),
        (lambda probs, p: probs["x"], "raised IndexError"),
        (lambda probs, p: None, "returned None"),
        (..., "Not attempted"),
        (0.9, "pass your function itself"),
    ]:
        result = nb13.check_top_p_filter(answer)
        assert not result.passed and words in result.message, answer


def test_every_known_mistake_of_the_code_exercises_gets_its_own_diagnosis():
    for exercise, check in ((nb13.attend_with_cache_exercise, nb13.check_attend_with_cache),
                            (nb13.top_p_exercise, nb13.check_top_p_filter)):
        mistakes = exercise().mistakes
        assert len(mistakes) >= 3
        for mistake in mistakes:
            result = check(mistake.function)
            assert not result.passed and mistake.diagnosis in result.message, (mistake.diagnosis, result.message)
