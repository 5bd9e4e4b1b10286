"""Checkers for ``03_self_attention.ipynb``: the scaled scores of the running example's single
head, the softmax row by row, the output weights V, and the spread of a dot product of random
vectors."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.heads import with_num_heads
from ..lessons.toy import SOURCE_IDS, toy_model
from .feedback import CheckResult, check_matrix, check_scalar

# Exercise 4: the head width of the paper's base model.
PAPER_D_K = 64


@lru_cache(maxsize=1)
def single_head_trace() -> dict[str, np.ndarray]:
    """The chapter's single head of width 6 (the toy model's W_q, W_k, W_v, W_o as one head) on
    X = embedding + positional encoding of "I love cats": its trace without batch and head axes
    (Q, K, V (3, 6), scores, scaled_scores, weights (3, 3), head output (3, 6), ...)."""
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    x = model.trace()["src_input"]
    attention = with_num_heads(model.encoder.layers[0].self_attn, 1)
    attention.forward(x, x)
    trace = attention.trace()
    out = {name: value[0, 0] for name, value in trace.items() if value.ndim == 4}
    out.update({name: value[0] for name, value in trace.items() if value.ndim == 3})
    return out


def check_scaled_scores(answer) -> CheckResult:
    """Exercise 1: Q Kᵀ / sqrt(6) of the single head, (3, 3)."""
    t = single_head_trace()
    q, k = t["Q"], t["K"]
    hint = "Q @ K.T gives one score per (query, key) pair; divide by sqrt(d_k) = sqrt(6)."
    mistakes = [
        (q @ k.T, "that is Q Kᵀ before the scaling: divide by sqrt(d_k)."),
        (q @ k.T / 6, "divide by the square root of d_k = 6, not by 6 itself."),
        (q @ k.T / np.sqrt(3), "this chapter has one head of width 6, so d_k = 6 (sqrt(3) belongs to 2 heads of width 3)."),
        (q @ k.T * np.sqrt(6), "divide by sqrt(6), do not multiply."),
        (k @ q.T / np.sqrt(6), "that is K Qᵀ, the transpose: rows must be queries, so Q comes first."),
    ]
    return check_matrix(answer, t["scaled_scores"], "the scaled scores", hint,
                        atol=1e-4, what="Q Kᵀ / sqrt(6), rows the queries, columns the keys.", mistakes=mistakes)


def check_softmax_rows(answer) -> CheckResult:
    """Exercise 2: softmax of the scaled scores along each row, (3, 3)."""
    scaled = single_head_trace()["scaled_scores"]
    e = np.exp(scaled)
    hint = "for each row: exp of every entry, divided by the row's sum of exps (axis=1, or axis=-1)."
    mistakes = [
        (e / e.sum(axis=0, keepdims=True), "each *column* sums to 1 here; attention normalises each row (one query)."),
        (e / e.sum(), "that normalises the whole matrix at once; each row must sum to 1 on its own."),
        (e, "the exps must still be divided by their row's sum."),
        (scaled, "those are the scaled scores themselves: apply the softmax."),
    ]
    return check_matrix(answer, single_head_trace()["weights"], "the weights", hint, atol=1e-4,
                        what="every row is positive and sums to 1.", mistakes=mistakes)


def check_attention_output(answer) -> CheckResult:
    """Exercise 3: the head's output weights V, (3, 6)."""
    t = single_head_trace()
    weights, v = t["weights"], t["V"]
    hint = "row i of the output is Σ_j weights[i, j] · V[j]: the matrix product weights @ V, shape (3, 3) @ (3, 6)."
    mistakes = [
        (weights.T @ v, "that uses the transposed weights: row i must mix the values with query i's weights."),
        (t["scaled_scores"] @ v, "multiply V by the softmax weights, not by the scores."),
        (weights @ t["Q"], "the weights mix the rows of V, not of Q."),
        (t["output"], "that is after W_o; the question asks for weights V, before the output projection."),
    ]
    return check_matrix(answer, t["head_outputs"], "the output", hint, atol=1e-4,
                        what="each row is a weighted average of the rows of V (the weights sum to 1).", mistakes=mistakes)


def check_dot_product_std(answer) -> CheckResult:
    """Exercise 4: the standard deviation of q·k for d_k = 64 and unit-variance entries."""
    hint = "var(q·k) = d_k, and the standard deviation is the square root of the variance."
    mistakes = [
        (PAPER_D_K, "64 is the variance; the standard deviation is its square root."),
        (1.0, "1 is the spread *after* dividing by sqrt(d_k); before, it grows with d_k."),
        (0.0, "0 is the mean of q·k; its spread is not 0."),
    ]
    return check_scalar(answer, float(np.sqrt(PAPER_D_K)), "the standard deviation", hint,
                        atol=0.05, mistakes=mistakes, mistake_atol=1e-6,
                        what="sqrt(64) = 8: scores of size 8 to 16 are common, so unscaled softmax rows are nearly one-hot.")


__all__ = ["check_attention_output", "check_dot_product_std", "check_scaled_scores", "check_softmax_rows",
           "single_head_trace"]
