"""Checkers for ``05_add_and_norm.ipynb``: normalise a token by hand, choose a gain and a bias,
and name the axes layer norm and batch norm average over."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.toy import SOURCE_IDS, toy_model
from ..model.layer_norm import LayerNorm
from .feedback import NOT_ATTEMPTED, CheckResult, as_number_array, check_matrix, correct, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation, finite_difference_gradients

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


# Exercises 5 and 6: layer norm's forward and backward, written by the reader.

def layer_norm_with(x, gamma, beta, eps=EPS, ddof=0, eps_outside=False, axis=-1):
    """Layer norm with one step changed, for the typical wrong versions of exercise 5: the
    variance's `ddof` (1 = unbiased), eps added to the standard deviation instead of the
    variance, and the `axis` averaged over."""
    centred = x - x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    std = np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps)
    return gamma * centred / std + beta


def _package_layer_norm(x, gamma, beta, eps=EPS):
    norm = LayerNorm(x.shape[-1], eps=eps)
    norm.gamma[...], norm.beta[...] = gamma, beta
    return norm.forward(x)


def _layer_norm_cases(seed: int) -> tuple[Case, ...]:
    rng = np.random.default_rng(seed)
    small_spread = 0.003 * rng.standard_normal((4, 8))  # variance near eps: where eps matters
    return (
        Case({"x": rng.standard_normal((3, 6)), "gamma": rng.standard_normal(6), "beta": rng.standard_normal(6),
              "eps": EPS}, "the running example's 3 tokens of width 6"),
        Case({"x": 2 + 3 * rng.standard_normal((2, 4, 6)), "gamma": rng.standard_normal(6),
              "beta": rng.standard_normal(6), "eps": EPS}, "2 sequences of 4 tokens"),
        Case({"x": small_spread, "gamma": rng.standard_normal(8), "beta": rng.standard_normal(8), "eps": EPS},
             "tokens whose features barely vary"),
    )


@lru_cache(maxsize=1)
def layer_norm_exercise() -> Exercise:
    """Exercise 5: `layer_norm(x, gamma, beta, eps) -> y`, x (..., d), gamma and beta (d,)."""
    from ..reference import torch_functions

    return Exercise(
        function_name="layer_norm", outputs=("y",), cases=_layer_norm_cases(50),
        references=(Reference("the package's LayerNorm", _package_layer_norm),
                    Reference("torch.nn.functional.layer_norm", torch_functions.layer_norm)),
        mistakes=(
            Mistake(lambda x, g, b, eps: layer_norm_with(x, g, b, eps, ddof=1),
                    "the variance is the unbiased one (divided by d - 1): layer norm divides by d (np.var's default)."),
            Mistake(lambda x, g, b, eps: layer_norm_with(x, g, b, eps, eps_outside=True),
                    "eps is added to the standard deviation: it goes under the square root, sqrt(var + eps)."),
            Mistake(lambda x, g, b, eps: layer_norm_with(x, g, b, 0.0),
                    "eps is missing: sqrt(var + eps) keeps the division safe when a token's features barely vary."),
            Mistake(lambda x, g, b, eps: layer_norm_with(x, g, b, eps, axis=0),
                    "the statistics are taken over axis 0 (across tokens, like batch norm): layer norm uses each "
                    "token's own features, axis=-1."),
            Mistake(lambda x, g, b, eps: layer_norm_with(x, b, g, eps),
                    "gamma and beta are swapped: gamma multiplies, beta is added."),
            Mistake(lambda x, g, b, eps: layer_norm_with(x, 1.0, 0.0, eps),
                    "gamma and beta are not applied: y = gamma * x_hat + beta."),
        ),
        hint="mean and variance over the last axis (keepdims=True), x_hat = (x - mean) / sqrt(var + eps), "
             "then gamma * x_hat + beta.",
        success="each token is normalised over its own features.",
    )


def check_layer_norm(function) -> CheckResult:
    """Exercise 5: the reader's `layer_norm(x, gamma, beta, eps)`."""
    return check_implementation(function, layer_norm_exercise())


def layer_norm_backward_with(dout, x, gamma, eps=EPS, drop_mean=False, drop_projection=False, forget_gamma=False):
    """Layer norm's backward with a term left out, for the typical wrong versions of exercise 6:
    dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat)) with g = dout * gamma."""
    axes = tuple(range(x.ndim - 1))
    centred = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    x_hat = centred * inv_std
    g = dout if forget_gamma else dout * gamma
    dx = g.copy()
    if not drop_mean:
        dx = dx - g.mean(axis=-1, keepdims=True)
    if not drop_projection:
        dx = dx - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)
    return dx * inv_std, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)


def _package_layer_norm_backward(dout, x, gamma, eps=EPS):
    norm = LayerNorm(x.shape[-1], eps=eps)
    norm.gamma[...] = gamma
    norm.forward(x)
    dx = norm.backward(dout)
    grads = norm.gradients()
    return dx, grads["gamma"], grads["beta"]


def _layer_norm_loss(dout, x, gamma, beta, eps):
    return float((layer_norm_with(x, gamma, beta, eps) * dout).sum())


@lru_cache(maxsize=1)
def layer_norm_backward_exercise() -> Exercise:
    """Exercise 6: `layer_norm_backward(dout, x, gamma, eps) -> (dx, dgamma, dbeta)`."""
    from ..reference import torch_functions

    numeric = finite_difference_gradients(_layer_norm_loss, wrt=(1, 2, 3))
    cases = tuple(Case({"dout": np.random.default_rng(51 + i).standard_normal(case.inputs["x"].shape),
                        "x": case.inputs["x"], "gamma": case.inputs["gamma"], "eps": EPS}, case.label)
                  for i, case in enumerate(_layer_norm_cases(52)))
    return Exercise(
        function_name="layer_norm_backward", outputs=("dx", "dgamma", "dbeta"), cases=cases,
        references=(
            Reference("the package's LayerNorm.backward", _package_layer_norm_backward),
            Reference("autograd through torch.nn.functional.layer_norm", torch_functions.layer_norm_gradients),
            Reference("finite differences", lambda dout, x, gamma, eps: numeric(dout, x, gamma, np.zeros_like(gamma),
                                                                              eps), atol=1e-5, rtol=1e-4),
        ),
        mistakes=(
            Mistake(lambda dout, x, gamma, eps: layer_norm_backward_with(dout, x, gamma, eps, drop_mean=True,
                                                                         drop_projection=True),
                    "dx treats the mean and the variance as constants: x moves them too, which subtracts "
                    "mean(g) and x_hat * mean(g * x_hat) from g = dout * gamma."),
            Mistake(lambda dout, x, gamma, eps: layer_norm_backward_with(dout, x, gamma, eps, drop_mean=True),
                    "dx is missing the term from the mean: subtract mean(g) over the features."),
            Mistake(lambda dout, x, gamma, eps: layer_norm_backward_with(dout, x, gamma, eps, drop_projection=True),
                    "dx is missing the term from the variance: subtract x_hat * mean(g * x_hat)."),
            Mistake(lambda dout, x, gamma, eps: layer_norm_backward_with(dout, x, gamma, eps, forget_gamma=True),
                    "the gradient reaching x_hat is dout * gamma, not dout: the gain multiplied x_hat on the way up."),
            Mistake(lambda dout, x, gamma, eps: (lambda dx, dg, db: (dx, db, dg))(
                        *layer_norm_backward_with(dout, x, gamma, eps)),
                    "dgamma and dbeta are swapped: dgamma = sum(dout * x_hat), dbeta = sum(dout)."),
        ),
        hint="recompute x_hat and inv_std from x; g = dout * gamma; dx = inv_std * (g - mean(g) - x_hat * "
             "mean(g * x_hat)) over the last axis; dgamma and dbeta sum over every axis but the last.",
        success="all three gradients, including both terms that come from the mean and the variance.",
    )


def check_layer_norm_backward(function) -> CheckResult:
    """Exercise 6: the reader's `layer_norm_backward(dout, x, gamma, eps)`."""
    return check_implementation(function, layer_norm_backward_exercise())
