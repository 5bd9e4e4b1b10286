"""Checkers for ``04_multi_head_attention.ipynb``: shapes inside the paper's multi-head
attention, cutting one head's Q out of the full projection, the paper's scale for 2 heads, and
the parameter count of a multi-head attention block."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..lessons.parameter_count import attention_parameters
from ..lessons.toy import SOURCE_IDS, toy_model
from ._counts import check_count, check_shape
from .feedback import NOT_ATTEMPTED, CheckResult, check_matrix, check_scalar, correct, not_attempted, wrong

# Exercises 1 and 4: the paper's base model, and a sentence of 10 tokens.
PAPER_D_MODEL, PAPER_HEADS, SENTENCE_LENGTH = 512, 8, 10


def expected_shapes() -> dict[str, tuple[int, int]]:
    """Exercise 1: one head's Q and weights, and the concatenation, for one sentence."""
    d_k = PAPER_D_MODEL // PAPER_HEADS
    return {"Q": (SENTENCE_LENGTH, d_k), "weights": (SENTENCE_LENGTH, SENTENCE_LENGTH),
            "concat": (SENTENCE_LENGTH, PAPER_D_MODEL)}


def check_head_shapes(answer) -> CheckResult:
    """Exercise 1: a dict of the shapes of one head's Q, its weights, and the concatenation."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    expected = expected_shapes()
    if not isinstance(answer, dict):
        return wrong(f"the answer should be a dict such as {{'Q': (10, 64), ...}}, got {type(answer).__name__}.")
    missing = sorted(set(expected) - set(answer))
    if missing:
        return wrong(f"the dict needs the keys {sorted(expected)}; missing {missing}.")
    hint = "each of the 8 heads has width d_k = 512 / 8; the heads' outputs side by side give back d_model."
    mistakes = {
        "Q": {(SENTENCE_LENGTH, PAPER_D_MODEL): "that is Q before the split; one head keeps d_k = 512 / 8 = 64 "
                                                "columns.",
              (PAPER_HEADS, SENTENCE_LENGTH): "one row per token, one column per feature of the head.",
              (SENTENCE_LENGTH, PAPER_HEADS): "d_k = 512 / 8 = 64 features per head, not 8."},
        "weights": {(SENTENCE_LENGTH, 64): "the weights pair every query with every key: tokens x tokens.",
                    (64, 64): "the weights pair every query with every key: tokens x tokens."},
        "concat": {(SENTENCE_LENGTH, 64): "the concatenation puts all 8 heads side by side: 8 x 64 columns.",
                   (PAPER_HEADS, SENTENCE_LENGTH, 64): "the heads are concatenated along the features, giving "
                                                       "one matrix (tokens, d_model)."},
    }
    for key in ("Q", "weights", "concat"):
        result = check_shape(answer[key], expected[key], f"the shape of {key}", hint, mistakes[key])
        if not result.passed:
            return result
    return correct(f"Q {expected['Q']} per head, weights {expected['weights']} per head, concat "
                   f"{expected['concat']}: the split changes the widths, never the number of tokens.")


@lru_cache(maxsize=1)
def running_example_q() -> tuple[np.ndarray, np.ndarray]:
    """The toy encoder's full projection X W_Q + b (3, 6) and its per-head Q from the trace (2, 3, 3)."""
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    trace = model.trace()
    attn = model.encoder.layers[0].self_attn
    full = trace["src_input"][0] @ attn.w_q.weight + attn.w_q.bias
    return full, trace["encoder.layers.0.self_attn.Q"][0]


def check_head_2_query(answer) -> CheckResult:
    """Exercise 2: head 2's Q (3, 3), cut from the full projection Q_full (3, 6)."""
    full, heads = running_example_q()
    hint = "head i owns the columns i·d_k .. (i+1)·d_k - 1 of the full Q, for every token (every row)."
    mistakes = [
        (full[:, :3], "those are columns 0 to 2: head 1. Head 2 is the second block of 3 columns."),
        (full.reshape(2, 3, 3)[1], "reshaping (3, 6) straight to (2, 3, 3) cuts the matrix in reading order and "
                                   "mixes the tokens' rows; the heads split the *columns*."),
        (full[:, 1::2], "every second column interleaves the heads; each head is one contiguous block of columns."),
        (full[1:, :], "the heads split the features (columns), not the tokens (rows)."),
    ]
    return check_matrix(answer, heads[1], "head 2's Q", hint, atol=1e-4, mistakes=mistakes,
                        what="columns 3 to 5 of X W_Q, the same numbers the package's head 2 uses.")


def check_paper_scale(answer) -> CheckResult:
    """Exercise 3: the number the paper divides the toy model's 2-head scores by, sqrt(3)."""
    hint = "the paper divides by sqrt(d_k), and d_k is the width of one head: d_model / heads."
    mistakes = [
        (math.sqrt(6), "sqrt(6) = sqrt(d_model) is the source document's scale; the paper uses one head's width."),
        (3.0, "d_k = 3, but the scores are divided by its square root."),
        (1 / math.sqrt(3), "that is the factor the scores are multiplied by; the question asks for the divisor."),
        (6.0, "6 is d_model; the paper divides by the square root of one head's width."),
    ]
    return check_scalar(answer, math.sqrt(3), "the divisor", hint, atol=1e-3, mistakes=mistakes,
                        what="sqrt(d_k) = sqrt(6 / 2) = sqrt(3) = 1.7321.")


def check_attention_parameters(answer) -> CheckResult:
    """Exercise 4: parameters of one multi-head attention block of the base model (512, 8 heads)."""
    d = PAPER_D_MODEL
    expected = attention_parameters(d)
    return check_count(answer, expected, "the parameter count",
                       "four d_model x d_model matrices (W_Q, W_K, W_V, W_O), each with a bias of length d_model.",
                       {PAPER_HEADS * expected: "the heads do not add weights: they split W_Q, W_K, W_V into column "
                                                "blocks.",
                        4 * d * d: "each of the four projections also has a bias of length 512.",
                        3 * (d * d + d): "W_O, the fully connected layer after the concatenation, counts too.",
                        4 * PAPER_HEADS * (64 * 64 + 64): "each head's block of W_Q is 512 x 64 (every input feature "
                                                          "reaches every head), not 64 x 64."},
                       what=f"4 x (512 x 512 + 512) = {expected:,}, whatever the number of heads.")
