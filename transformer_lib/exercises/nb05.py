"""Checkers for ``05_add_and_norm.ipynb``: normalise a token by hand, choose a gain and a bias,
and name the axes layer norm and batch norm average over."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.toy import SOURCE_IDS, toy_model
from .feedback import NOT_ATTEMPTED, CheckResult, as_number_array, check_matrix, correct, not_attempted, wrong

EPS = 1e-5
TOKEN = 1  # 'love', the second source token


@lru_cache(maxsize=1)
def _trace() -> dict[str, np.ndarray]:
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    return {k: v.copy() for k, v in model.trace().items()}


def exercise_vector() -> np.ndarray:
    """The vector of exercise 1: token 'love' of X + attention output (the first add & norm's
    input), shape (6,)."""
    return _trace()["encoder.layers.0.attention_sum"][0, TOKEN].copy()


def check_normalized_token(answer) -> CheckResult:
    """Exercise 1: (x - mean(x)) / sqrt(var(x) + eps) for the 6 features of token 'love'."""
    x = exercise_vector()
    centred = x - x.mean()
    expected = centred / np.sqrt(x.var() + EPS)
    hint = "subtract the mean of the 6 numbers, then divide by their standard deviation (np.mean, np.std)."
    result = check_matrix(answer, expected, "your normalised vector", hint, atol=1e-4,
                          what="that is what LayerNorm computes for this token (gamma = 1, beta = 0).")
    arr = as_number_array(answer, "your normalised vector")
    if result.passed or isinstance(arr, CheckResult) or arr.shape != expected.shape:
        return result
    diagnoses = [
        (centred / x.std(ddof=1), ("you divided by the n - 1 (sample) standard deviation; layer norm divides "
                                   "the sum of squares by n = 6 (np.std's default, ddof=0).")),
        (x / x.std(), "you divided by the standard deviation but did not subtract the mean first."),
        (centred / x.var(), "you divided by the variance; divide by its square root, the standard deviation."),
        (centred, "you subtracted the mean but did not divide by the standard deviation."),
    ]
    for value, message in diagnoses:
        if np.allclose(arr, value, atol=1e-4):
            return wrong(message)
    return result


def check_gain_and_bias(answer) -> CheckResult:
    """Exercise 2: (gamma, beta) making every token's output have mean 2 and standard deviation 3."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        return wrong(f"give a pair (gamma, beta), got {type(answer).__name__}.",
                     "write answer = (gamma, beta) with two arrays of length 6.")
    if any(not_attempted(part) for part in answer):
        return NOT_ATTEMPTED
    try:
        gamma, beta = (np.asarray(part, dtype=np.float64) for part in answer)
    except (TypeError, ValueError):
        return wrong("gamma and beta should be arrays of numbers.", "e.g. np.full(6, 1.0).")
    if gamma.shape != (6,) or beta.shape != (6,):
        return wrong(f"gamma and beta have shapes {gamma.shape} and {beta.shape}, expected (6,) each: "
                     "one number per feature.", "np.full(6, value) makes a vector of 6 equal numbers.")
    y = _trace()["encoder.layers.0.norm1.normalized"][0] * gamma + beta
    mean, std = y.mean(axis=-1), y.std(axis=-1)
    if np.allclose(mean, 2.0, atol=1e-3) and np.allclose(std, 3.0, atol=1e-3):
        return correct("gamma stretches every normalised feature to standard deviation 3, beta moves the mean to 2.")
    hint = "after normalising, each token has mean 0 and std 1: gamma multiplies (sets the std), beta adds (sets the mean)."
    if np.allclose(mean, 3.0, atol=1e-3) and np.allclose(std, 2.0, atol=1e-3):
        return wrong("gamma and beta are swapped: your outputs have mean 3 and std 2.", hint)
    return wrong(f"the tokens' means are {_numbers(mean)} and their standard deviations {_numbers(std)}.", hint)


def check_layer_norm_axis(answer) -> CheckResult:
    """Exercise 3: the axis of x (batch, tokens, d_model) layer norm takes its mean over."""
    return _check_axes(answer, {2}, "layer norm averages over axis 2 (or -1), one token's d_model features.", {
        frozenset({0}): "axis 0 runs over the sentences of the batch: averaging there is batch norm's idea.",
        frozenset({1}): "axis 1 runs over the tokens: that would mix the words of a sentence (the source's "
                        "'per column' read on a drawing with tokens as rows).",
        frozenset({0, 1}): "axes 0 and 1 are batch norm's: one mean per feature over all tokens of all sentences.",
    }, "layer norm looks at one token at a time: the mean is over that token's d_model features.")


def check_batch_norm_axes(answer) -> CheckResult:
    """Exercise 4: the axes of x (batch, tokens, d_model) batch norm takes its mean over."""
    return _check_axes(answer, {0, 1}, "batch norm averages over axes (0, 1), one mean per feature.", {
        frozenset({2}): "axis 2 (the features of one token) is layer norm's axis.",
        frozenset({0}): "only the batch axis: batch norm also pools the tokens of each sentence, one mean per feature.",
        frozenset({1}): "only the tokens: batch norm pools every sentence of the batch as well.",
    }, "batch norm keeps one mean per feature, taken over everything else.")


def _check_axes(answer, expected: set[int], success: str, hints: dict[frozenset, str], hint: str) -> CheckResult:
    if not_attempted(answer):
        return NOT_ATTEMPTED
    axes = answer if isinstance(answer, (tuple, list)) else (answer,)
    if not axes or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        return wrong(f"give the axis as a whole number, or several as a tuple such as (0, 2); got {answer!r}.", hint)
    if not all(-3 <= a <= 2 for a in axes):
        return wrong(f"x has 3 axes, numbered 0, 1, 2 (or -3, -2, -1); got {answer!r}.", hint)
    chosen = frozenset(int(a) % 3 for a in axes)
    if chosen == expected:
        return correct(success)
    return wrong(hints.get(chosen, f"axis {tuple(sorted(chosen))} is not it."), hint)


def _numbers(values: np.ndarray) -> str:
    return ", ".join(f"{v:.4f}" for v in np.round(values, 4) + 0.0)
