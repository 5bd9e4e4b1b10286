"""Checkers for ``06_feed_forward.ipynb``: the hidden size and parameter count of the paper's big model's FFN,
the hidden units ReLU switches off, the FFN of one token by hand, and the reader's own
feed-forward function."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.parameter_count import feed_forward_parameters
from ..lessons.toy import SOURCE_IDS, toy_model
from ..model.feed_forward import FeedForward
from ._counts import check_count
from .feedback import (
    NOT_ATTEMPTED,
    ROUNDED,
    CheckResult,
    as_number_array,
    check_matrix,
    correct,
    not_attempted,
    wrong,
)
from .implement import Exercise, Mistake, Reference, check_implementation, random_case

TOKEN = 2  # 'cats', the third source token


@lru_cache(maxsize=1)
def _running_example() -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    trace = {k: v.copy() for k, v in model.trace().items()}
    return trace, model.encoder.layers[0].ffn.state_dict()


D_MODEL_BIG = 1024  # the paper's "big" model (Table 3): d_model 1024, d_ff 4096, 16 heads


def check_d_ff(answer) -> CheckResult:
    """Exercise 1: d_ff of the paper's big model, d_model = 1024."""
    return check_count(answer, 4 * D_MODEL_BIG, "d_ff", "the paper makes the hidden layer 4 times as wide as d_model.", {
        D_MODEL_BIG: "that is d_model itself; the hidden layer is wider.",
        2048: "that is the base model's d_ff (d_model 512); the big model has d_model 1024.",
        24: "that is the toy model's d_ff (4 x 6); here d_model is 1024.",
        D_MODEL_BIG // 4: "the hidden layer is wider than d_model, not narrower.",
    }, what="d_ff = 4 x 1024 = 4096.")


def check_ffn_parameters(answer) -> CheckResult:
    """Exercise 2: parameters of the big model's FFN (d_model 1024, d_ff 4096), biases included."""
    d, f = D_MODEL_BIG, 4 * D_MODEL_BIG
    return check_count(answer, feed_forward_parameters(d, f), "the parameter count",
                       "W1 is d_model x d_ff with a bias of length d_ff; W2 is d_ff x d_model with a bias of "
                       "length d_model.", {
                           2 * d * f: "that counts the weights only; add the two biases.",
                           2 * d * f + f: "that adds b1 only; W2 has a bias too (length d_model).",
                           2 * d * f + d: "that adds b2 only; W1 has a bias too (length d_ff).",
                           d * f + f: "that is one layer; the FFN has two.",
                           feed_forward_parameters(512, 2048): "that is the base model's FFN; here d_model is 1024.",
                       }, what=f"{feed_forward_parameters(d, f):,} = 1024 x 4096 + 4096 + 4096 x 1024 + 1024.")


def off_units(token: int = TOKEN) -> np.ndarray:
    """Indices of the hidden units that are 0 after ReLU for source token `token` (sorted)."""
    trace, _ = _running_example()
    return np.flatnonzero(trace["encoder.layers.0.ffn.activated"][0, token] == 0)


def check_off_units(answer) -> CheckResult:
    """Exercise 3: the hidden units ReLU switches off for token 'cats', as indices (or a mask of 24)."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "a unit is off where the hidden value before ReLU is negative (or zero): np.flatnonzero(row <= 0)."
    try:
        arr = np.asarray(answer)
    except ValueError:  # a ragged list
        arr = np.asarray(None)
    if arr.dtype == object or arr.ndim != 1 or not (arr.dtype == bool or np.issubdtype(arr.dtype, np.integer)):
        return wrong(f"give the unit numbers as a list of whole numbers (or a True/False mask of length 24), "
                     f"got {type(answer).__name__}.", hint)
    trace, _ = _running_example()
    d_ff = trace["encoder.layers.0.ffn.hidden"].shape[-1]
    if arr.dtype == bool:
        if arr.size != d_ff:
            return wrong(f"a mask needs one entry per hidden unit ({d_ff}), got {arr.size}.", hint)
        arr = np.flatnonzero(arr)
    if arr.size and (arr.min() < 0 or arr.max() >= d_ff):
        return wrong(f"hidden units are numbered 0 to {d_ff - 1}.", hint)
    chosen = set(arr.tolist())
    expected = set(off_units().tolist())
    if chosen == expected:
        return correct(f"{len(expected)} of {d_ff} units are off for 'cats': {' '.join(map(str, sorted(expected)))}.")
    if chosen == set(range(d_ff)) - expected:
        return wrong("those are the units that stay on (positive before ReLU).", hint)
    for other in (0, 1):
        if chosen == set(off_units(other).tolist()):
            return wrong("those are the units off for another token; the exercise asks about 'cats'.", hint)
    missing, extra = sorted(expected - chosen), sorted(chosen - expected)
    parts = ([f"missing {' '.join(map(str, missing))}"] if missing else []) + (
        [f"not off: {' '.join(map(str, extra))}"] if extra else [])
    return wrong("; ".join(parts) + ".", hint)


def check_ffn_by_hand(answer) -> CheckResult:
    """Exercise 4: FFN(x) = ReLU(x W1 + b1) W2 + b2 for token 'cats' alone, shape (6,)."""
    trace, w = _running_example()
    x = trace["encoder.layers.0.add_norm_1"][0, TOKEN]
    hidden = x @ w["linear1.weight"] + w["linear1.bias"]
    expected = np.maximum(hidden, 0) @ w["linear2.weight"] + w["linear2.bias"]
    hint = "hidden = x @ W1 + b1; ReLU with np.maximum(hidden, 0); then @ W2 + b2, with no ReLU at the end."
    result = check_matrix(answer, expected, "your FFN output", hint, **ROUNDED,
                          what="the FFN of 'cats' alone, the same as its row of the whole matrix.")
    arr = as_number_array(answer, "your FFN output")
    if result.passed or isinstance(arr, CheckResult) or arr.shape != expected.shape:
        return result
    if np.allclose(arr, hidden @ w["linear2.weight"] + w["linear2.bias"], **ROUNDED):
        return wrong("you skipped the ReLU after the first layer.", hint)
    if np.allclose(arr, np.maximum(expected, 0), **ROUNDED):
        return wrong("you applied ReLU after the second layer too; the FFN's output keeps its negative values.", hint)
    return result


# Exercise 5: the feed-forward network, written by the reader.

def feed_forward_with(x, w1, b1, w2, b2, relu_first=True, relu_last=False, use_b1=True, use_b2=True,
                      transpose=False):
    """The FFN with one step changed, for the typical wrong versions of exercise 5: ReLU after
    the first layer (`relu_first`) or also after the second (`relu_last`), a bias left out,
    or both weights used transposed."""
    if transpose:
        w1, w2 = w1.T, w2.T
    hidden = x @ w1 + (b1 if use_b1 else 0.0)
    if relu_first:
        hidden = np.maximum(hidden, 0.0)
    out = hidden @ w2 + (b2 if use_b2 else 0.0)
    return np.maximum(out, 0.0) if relu_last else out


def _package_feed_forward(x, w1, b1, w2, b2):
    ffn = FeedForward(w1.shape[0], w1.shape[1], np.random.default_rng(0))
    ffn.linear1.weight[...], ffn.linear1.bias[...] = w1, b1
    ffn.linear2.weight[...], ffn.linear2.bias[...] = w2, b2
    return ffn.forward(x)


@lru_cache(maxsize=1)
def feed_forward_exercise() -> Exercise:
    """Exercise 5: `feed_forward(x, w1, b1, w2, b2) -> y`, x (..., d_model), w1 (d_model, d_ff),
    b1 (d_ff,), w2 (d_ff, d_model), b2 (d_model,). The square FFN comes first so that
    transposed weights still multiply, and are recognised."""
    from ..reference import torch_functions

    cases = (
        random_case(60, "a square FFN (d_ff = d_model = 4)", x=(2, 3, 4), w1=(4, 4), b1=(4,), w2=(4, 4), b2=(4,)),
        random_case(61, "the running example (d_model 6, d_ff 24)", x=(1, 3, 6), w1=(6, 24), b1=(24,), w2=(24, 6),
                    b2=(6,)),
        random_case(62, "one token of width 8, d_ff 32", x=(8,), w1=(8, 32), b1=(32,), w2=(32, 8), b2=(8,)),
    )
    return Exercise(
        function_name="feed_forward", outputs=("y",), cases=cases,
        references=(Reference("the package's FeedForward", _package_feed_forward),
                    Reference("torch.nn.functional.linear + F.relu", torch_functions.feed_forward)),
        mistakes=(
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, relu_last=True),
                    "ReLU is applied after the second layer too: the FFN's output keeps its negative values, "
                    "ReLU comes only between the two layers."),
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, relu_first=False),
                    "there is no ReLU between the layers: without it the two layers are one linear map."),
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, transpose=True),
                    "the weights are used transposed: the package stores W1 as (d_model, d_ff), so a token "
                    "(a row) is multiplied as x @ w1, and then @ w2."),
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, use_b1=False, use_b2=False),
                    "both biases are missing: add b1 after the first product and b2 after the second."),
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, use_b1=False),
                    "b1 is missing: add it to x @ w1 before the ReLU."),
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, use_b2=False),
                    "b2 is missing: add it after the second product."),
        ),
        hint="hidden = x @ w1 + b1; np.maximum(hidden, 0); then @ w2 + b2, with no ReLU at the end.",
        success="the same two layers for every token, whatever the leading axes.",
    )


def check_feed_forward(function) -> CheckResult:
    """Exercise 5: the reader's `feed_forward(x, w1, b1, w2, b2)`."""
    return check_implementation(function, feed_forward_exercise())
