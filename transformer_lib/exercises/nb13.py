"""Checkers for ``13_decoding.ipynb``: a length-penalised score by hand, one attention step with
a KV cache (code), the beam after step 2 of the hand-made table, and top-p filtering (code)."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..lessons.beam_example import hand_beam_search
from ..lessons.toy import VOCAB
from ..model.attention import scaled_dot_product_attention
from ..training.beam import hypothesis_score
from ..training.sampling import sampling_distribution
from .feedback import NOT_ATTEMPTED, CheckResult, check_scalar, correct, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation, random_case

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


def _cache_step_with(q, k_new, v_new, keys, values, scale=None, see_self=True, prepend=False):
    """One cached attention step with one thing changed, for the typical mistakes of exercise 2."""
    grown_keys = np.concatenate([k_new[None], keys] if prepend else [keys, k_new[None]], axis=0)
    grown_values = np.concatenate([v_new[None], values] if prepend else [values, v_new[None]], axis=0)
    seen_keys, seen_values = (grown_keys, grown_values) if see_self or len(keys) == 0 else (keys, values)
    output, _ = scaled_dot_product_attention(q[None], seen_keys, seen_values, scale=scale)
    return output[0], grown_keys, grown_values


@lru_cache(maxsize=1)
def attend_with_cache_exercise() -> Exercise:
    """Exercise 2: `attend_with_cache(q, k_new, v_new, keys, values) -> (output, keys, values)`
    with an empty cache, one head of the running example after three tokens, and a wider head."""
    from ..reference import torch_functions

    def torch_last_row(q, k_new, v_new, keys, values):
        grown_keys, grown_values = np.concatenate([keys, k_new[None]]), np.concatenate([values, v_new[None]])
        return torch_functions.attention(q[None], grown_keys, grown_values)[0], grown_keys, grown_values

    cases = (
        random_case(130, "the first step: an empty cache", q=(3,), k_new=(3,), v_new=(3,), keys=(0, 3), values=(0, 3)),
        random_case(131, "one head of the running example after 3 tokens", q=(3,), k_new=(3,), v_new=(3,), keys=(3, 3),
                    values=(3, 3)),
        random_case(132, "a head of width 8 after 6 tokens", q=(8,), k_new=(8,), v_new=(8,), keys=(6, 8), values=(6, 8)),
    )
    mistakes = (
        Mistake(lambda *a: _cache_step_with(*a, see_self=False),
                "the new query attends to the cached positions only: append first, then attend, so it sees itself."),
        Mistake(lambda *a: _cache_step_with(*a, scale=1.0), "the scores are not divided by sqrt(d_k)."),
        Mistake(lambda *a: _cache_step_with(*a, prepend=True),
                "the new key and value go first; the cache keeps positions in order, so append them as the last row."),
        Mistake(lambda q, k_new, v_new, keys, values: (_cache_step_with(q, k_new, v_new, keys, values)[0], keys, values),
                "the returned keys and values are the old cache: return the cache with the new row appended."),
    )
    return Exercise(
        function_name="attend_with_cache", outputs=("output", "keys", "values"), cases=cases,
        references=(
            Reference("the package's scaled_dot_product_attention over the whole prefix", attend_with_cache_reference),
            Reference("torch.nn.functional.scaled_dot_product_attention over the whole prefix", torch_last_row),
        ),
        mistakes=mistakes,
        hint="keys = np.concatenate([keys, k_new[None]]) (values alike); then softmax(keys @ q / sqrt(d_k)) @ values.",
        success="the last row of causal attention over the whole prefix, from the new query and the cache alone.",
    )


def check_attend_with_cache(function) -> CheckResult:
    """Exercise 2: the reader's `attend_with_cache(q, k_new, v_new, keys, values)`."""
    return check_implementation(function, attend_with_cache_exercise())


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
        return wrong('give a list of strings, one per hypothesis, each its tokens after <bos> separated by spaces, '
                     'such as ["token token", ...].')
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


def top_p_reference(probs: np.ndarray, p: float) -> np.ndarray:
    """The package's top-p filtering of a distribution (the logits are its logarithms)."""
    with np.errstate(divide="ignore"):
        return sampling_distribution(np.log(probs), top_p=p)


def _top_p_with(probs, p, keep_crossing=True, renormalise=True, most_probable_first=True):
    """Top-p filtering with one thing changed, for the typical mistakes of exercise 4."""
    order = np.argsort(-probs if most_probable_first else probs, kind="stable")
    running = np.cumsum(probs[order])
    kept_in_order = (running - probs[order] < p) if keep_crossing else (running <= p)
    kept_in_order[0] = True
    kept = np.zeros(len(probs), dtype=bool)
    kept[order[kept_in_order]] = True
    filtered = np.where(kept, probs, 0.0)
    return filtered / filtered.sum() if renormalise else filtered


@lru_cache(maxsize=1)
def top_p_exercise() -> Exercise:
    """Exercise 4: `top_p_filter(probs, p) -> probs` on distributions over 4 and 8 tokens, a token
    of probability 0 among them; no running sum equals the p tested (rounding would decide)."""
    rng = np.random.default_rng(7)
    cases = (
        Case({"probs": np.array([0.45, 0.3, 0.17, 0.08]), "p": 0.5}, "4 tokens, p = 0.5"),
        Case({"probs": np.array([0.28, 0.26, 0.24, 0.22]), "p": 0.75}, "4 nearly equal tokens, p = 0.75"),
        Case({"probs": np.array([0.85, 0.08, 0.07, 0.0]), "p": 0.9}, "a token of probability 0, p = 0.9"),
        Case({"probs": rng.dirichlet(np.full(8, 0.5)), "p": 0.8}, "8 tokens, p = 0.8"),
        Case({"probs": rng.dirichlet(np.full(8, 0.5)), "p": 1.0}, "8 tokens, p = 1 (keeps every token)"),
    )
    mistakes = (
        Mistake(lambda probs, p: _top_p_with(probs, p, keep_crossing=False),
                "the token whose probability makes the sum reach p is missing: keep it too (keep a token when the "
                "tokens ranked above it add up to less than p)."),
        Mistake(lambda probs, p: _top_p_with(probs, p, renormalise=False),
                "the kept probabilities are not renormalised: divide them by their sum."),
        Mistake(lambda probs, p: _top_p_with(probs, p, most_probable_first=False),
                "the least probable tokens are kept: sort from the most probable down."),
    )
    return Exercise(
        function_name="top_p_filter", outputs=("probs",), cases=cases,
        references=(Reference("the package's sampling_distribution(top_p=p)", top_p_reference),),
        mistakes=mistakes,
        hint="sort the tokens by probability (most probable first), add their probabilities up, keep each token "
             "whose predecessors add up to less than p, then divide the kept probabilities by their sum.",
        success="the nucleus: the fewest most probable tokens that hold probability p, renormalised.",
    )


def check_top_p_filter(function) -> CheckResult:
    """Exercise 4: the reader's `top_p_filter(probs, p)`."""
    return check_implementation(function, top_p_exercise())
