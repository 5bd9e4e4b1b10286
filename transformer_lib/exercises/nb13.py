"""Checkers for ``13_decoding.ipynb``: a length-penalised score by hand, one attention step with
a KV cache (code), the beam after step 2 of the hand-made table, and top-p filtering (code)."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..lessons.beam_example import hand_beam_search
from ..lessons.toy import VOCAB
from ..model.attention import scaled_dot_product_attention
from ..training.beam import hypothesis_score
from ..training.sampling import sampling_distribution
from .feedback import NOT_ATTEMPTED, CheckResult, check_scalar, correct, not_attempted, wrong

# Exercise 1: the hand-made table's full translation, P = 0.4 x 0.45 x 0.9 x 1.0, four tokens
# written (<eos> included), scored with alpha = 0.6.
SCORE_PROBABILITY, SCORE_LENGTH, SCORE_ALPHA = 0.162, 4, 0.6
# Exercise 3: beam width 3, no length penalty, on the hand-made table.
BEAM_WIDTH, BEAM_STEP = 3, 2


def check_length_penalised_score(answer) -> CheckResult:
    """Exercise 1: log P / lp(|y|) for P = 0.162, |y| = 4, alpha = 0.6."""
    p, n, alpha = SCORE_PROBABILITY, SCORE_LENGTH, SCORE_ALPHA
    expected = float(hypothesis_score(math.log(p), n, alpha))
    lp = ((5 + n) / 6) ** alpha
    mistakes = [
        (math.log(p) / ((5 + n - 1) / 6) ** alpha, "that counts 3 tokens; |y| counts every token written, <eos> too."),
        (math.log(p), "that is log P without the length penalty (alpha = 0)."),
        (math.log(p) / ((5 + n) / 6), "that uses alpha = 1; the exponent is 0.6."),
        (math.log(p) * lp, "the score divides log P by lp; this multiplies."),
        (p / lp, "the score divides the log-probability, not the probability."),
        (math.log10(p) / lp, "log here is the natural logarithm (math.log), not log10."),
        (math.log(p) / (5 + n) ** alpha, "lp(|y|) = ((5 + |y|) / 6)^alpha: divide 5 + |y| by 6 before the power."),
    ]
    return check_scalar(answer, expected, "the score", "score = log P / ((5 + |y|) / 6)^alpha, with the natural log.",
                        atol=1e-3, what=f"log(0.162) / (9 / 6)^0.6 = {math.log(p):.4f} / {lp:.4f} = {expected:.4f}.",
                        mistakes=mistakes, mistake_atol=1e-3)


def attend_with_cache_reference(q, k_new, v_new, keys, values):
    """The step written out: append the new key and value, then attend with the new query."""
    keys = np.concatenate([keys, k_new[None]], axis=0)
    values = np.concatenate([values, v_new[None]], axis=0)
    output, _ = scaled_dot_product_attention(q[None], keys, values)
    return output[0], keys, values


def _cases(seed: int = 13) -> list[tuple[np.ndarray, ...]]:
    rng = np.random.default_rng(seed)
    return [tuple(rng.standard_normal(shape) for shape in ((d,), (d,), (d,), (t, d), (t, d)))
            for t, d in ((0, 4), (1, 4), (3, 4), (6, 8))]


def _reader_function(function, name: str) -> CheckResult | None:
    """The verdict on a function answer before it runs: not attempted, or not a function; None if callable."""
    if not_attempted(function):
        return NOT_ATTEMPTED
    if not callable(function):
        return wrong(f"{name} should be a function, got {type(function).__name__}.")
    return None


def _run_reader_function(function, arguments: tuple, hint: str):
    """The reader's function called on copies of `arguments`: its answer, or the CheckResult to
    show instead (it raised, or it returned None: its body is still the placeholder)."""
    try:
        answer = function(*(np.copy(a) if isinstance(a, np.ndarray) else a for a in arguments))
    except Exception as error:  # the reader's code raised: say what, without a traceback
        return wrong(f"your function raised {type(error).__name__}: {error}", hint)
    return NOT_ATTEMPTED if answer is None else answer


def check_attend_with_cache(attend_with_cache: Callable) -> CheckResult:
    """Exercise 2: one step of single-head self-attention with a KV cache. The function gets the
    new position's q, k_new, v_new (d_k,) and the cached keys and values (t, d_k) and must
    return (output (d_k,), keys (t + 1, d_k), values (t + 1, d_k)). Compared with full causal
    attention over the whole prefix, whose last row it must equal."""
    verdict = _reader_function(attend_with_cache, "attend_with_cache")
    if verdict is not None:
        return verdict
    hint = ("append k_new and v_new as the last rows of the cache, then softmax(q · keysᵀ / sqrt(d_k)) @ values; "
            "the new query may look at every cached position and at itself.")
    for case in _cases():
        q, k_new, v_new, keys, values = case
        answer = _run_reader_function(attend_with_cache, case, hint)
        if isinstance(answer, CheckResult):
            return answer
        if not (isinstance(answer, tuple) and len(answer) == 3):
            return wrong("return three things: (output, keys, values).", hint)
        try:
            output, new_keys, new_values = (np.asarray(a, dtype=np.float64) for a in answer)
        except (TypeError, ValueError):
            return wrong("the output, keys and values should be arrays of numbers.", hint)
        expected = attend_with_cache_reference(*case)
        t, d = keys.shape
        if new_keys.shape != (t + 1, d) or new_values.shape != (t + 1, d):
            return wrong(f"with {t} cached positions the keys and values should have shape ({t + 1}, {d}), got "
                         f"{new_keys.shape} and {new_values.shape}.", hint)
        if not (np.allclose(new_keys, expected[1]) and np.allclose(new_values, expected[2])):
            return wrong("the returned keys and values are not the cache with k_new and v_new appended as the last row.",
                         hint)
        if output.shape != (d,):
            return wrong(f"the output should have shape ({d},), one vector for the new position, got {output.shape}.",
                         hint)
        if not np.allclose(output, expected[0], atol=1e-10):
            if t > 0 and np.allclose(output, scaled_dot_product_attention(q[None], keys, values)[0][0], atol=1e-10):
                return wrong("the query attended to the cached positions only; it must also see its own key.", hint)
            if np.allclose(output, scaled_dot_product_attention(q[None], expected[1], expected[2], scale=1.0)[0][0],
                           atol=1e-10):
                return wrong("the scores are not divided by sqrt(d_k).", hint)
            return wrong(f"with {t} cached positions the output differs from attention over the whole prefix.", hint)
    return correct("equal to the last row of causal attention over the whole prefix, for caches of 0 to 6 "
                   "positions: the new position needs only its own query and the cached keys and values.")


def beam_after_step() -> list[str]:
    """The hypotheses in the hand-made table's beam after `BEAM_STEP` (width `BEAM_WIDTH`,
    alpha 0), most probable first, as space-separated token names."""
    result = hand_beam_search(BEAM_WIDTH, 0.0)
    record = result.steps[BEAM_STEP - 1]
    beams = []
    for j in np.argsort(-record.log_probs[0], kind="stable"):
        tokens, row = [], j
        for earlier in reversed(result.steps[:BEAM_STEP]):
            tokens.insert(0, VOCAB[int(earlier.tokens[0, row])])
            row = int(earlier.parents[0, row])
        beams.append(" ".join(tokens))
    return beams


def check_beam_after_step_2(answer) -> CheckResult:
    """Exercise 3: the beam (width 3, alpha 0) of the hand-made table after step 2, most
    probable first, as a list of strings such as "naneun goyangireul"."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    if isinstance(answer, str) or not isinstance(answer, (list, tuple)) or not all(isinstance(a, str) for a in answer):
        return wrong('give a list of strings, one per hypothesis, such as ["naneun goyangireul", ...].')
    given = [" ".join(a.split()) for a in answer]
    expected = beam_after_step()
    hint = ("multiply out P for every extension of the two hypotheses kept after step 1; a hypothesis ending with "
            "<eos> leaves the beam for the finished pool, and the beam takes the next best instead.")
    if given == expected:
        return correct(f"{', '.join(expected)}; naneun <eos> (0.2) ended and went to the pool of finished "
                       "hypotheses, so the beam took the third-best continuation.")
    if any(a.endswith("<eos>") for a in given):
        return wrong("a hypothesis ending with <eos> is finished: it leaves the beam for the finished pool.", hint)
    if any(a.startswith("<bos>") for a in given):
        return wrong("leave out <bos>: every hypothesis starts with it.", hint)
    if sorted(given) == sorted(expected):
        return wrong("the right three, in the wrong order: most probable first.", hint)
    if len(given) != BEAM_WIDTH:
        return wrong(f"the beam holds {BEAM_WIDTH} hypotheses, you gave {len(given)}.", hint)
    return wrong(f"not {given}.", hint)


def _distributions(seed: int = 7) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    # No running sum equals a tested p exactly: on such a boundary rounding would decide.
    fixed = [np.array([0.45, 0.3, 0.17, 0.08]), np.array([0.28, 0.26, 0.24, 0.22]), np.array([0.85, 0.08, 0.07, 0.0])]
    return fixed + [rng.dirichlet(np.full(8, 0.5)) for _ in range(4)]


def top_p_reference(probs: np.ndarray, p: float) -> np.ndarray:
    """The package's top-p filtering of a distribution (the logits are its logarithms)."""
    with np.errstate(divide="ignore"):
        return sampling_distribution(np.log(probs), top_p=p)


def check_top_p_filter(top_p_filter: Callable) -> CheckResult:
    """Exercise 4: top_p_filter(probs (V,), p) -> (V,): keep the most probable tokens until their
    probabilities reach p (the one that crosses p included), zero the rest, renormalise."""
    verdict = _reader_function(top_p_filter, "top_p_filter")
    if verdict is not None:
        return verdict
    hint = ("sort the tokens by probability (most probable first), add their probabilities up, keep each token "
            "whose predecessors add up to less than p, then divide the kept probabilities by their sum.")
    for probs in _distributions():
        for p in (0.5, 0.75, 0.9, 1.0):
            answer = _run_reader_function(top_p_filter, (probs, p), hint)
            if isinstance(answer, CheckResult):
                return answer
            try:
                answer = np.asarray(answer, dtype=np.float64)
            except (TypeError, ValueError):
                return wrong(f"return an array of probabilities, got {type(answer).__name__}.", hint)
            expected = top_p_reference(probs, p)
            if answer.shape != probs.shape:
                return wrong(f"return one probability per token, shape {probs.shape}; got {answer.shape}.", hint)
            if np.allclose(answer, expected, atol=1e-9):
                continue
            if (answer > 0).sum() == (expected > 0).sum() and not np.isclose(answer.sum(), 1.0):
                return wrong(f"the right tokens are kept for p = {p}, but they sum to {answer.sum():.4f}: renormalise.",
                             hint)
            if (answer > 0).sum() < (expected > 0).sum():
                return wrong(f"for {np.round(probs, 3).tolist()} and p = {p} the token whose probability makes the "
                             "sum reach p is missing: it is kept too.", hint)
            return wrong(f"for {np.round(probs, 3).tolist()} and p = {p} the answer should be "
                         f"{np.round(expected, 4).tolist()}, got {np.round(answer, 4).tolist()}.", hint)
    return correct("the kept tokens and their renormalised probabilities match the package's sampling_distribution "
                   "for every test distribution and p.")
