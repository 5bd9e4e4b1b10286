"""Checkers for ``03_self_attention.ipynb``: the scaled scores of the running example's single
head, the softmax row by row, the output weights V, and the spread of a dot product of random
vectors."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.heads import with_num_heads
from ..lessons.toy import SOURCE_IDS, toy_model
from ..model.attention import scaled_dot_product_attention
from ..model.masks import causal_mask
from .feedback import CheckResult, check_matrix, check_scalar
from .implement import Case, Exercise, Mistake, Reference, check_implementation, random_case

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


# Exercise 5: scaled dot-product attention, written by the reader.

def attention_with(q, k, v, mask=None, scale=None, axis=-1, hide=None, transpose_scores=False):
    """Attention with one step changed, to describe the typical wrong versions of exercise 5:
    `scale` (default 1 / sqrt(d_k)), the softmax `axis`, `hide` (what a hidden score becomes,
    default -inf) and scores k qᵀ instead of q kᵀ."""
    scale = 1.0 / np.sqrt(q.shape[-1]) if scale is None else scale
    scores = (k @ q.swapaxes(-1, -2) if transpose_scores else q @ k.swapaxes(-1, -2)) * scale
    if mask is not None:
        scores = np.where(mask, -np.inf if hide is None else hide, scores)
    shifted = np.exp(scores - scores.max(axis=axis, keepdims=True))
    weights = shifted / shifted.sum(axis=axis, keepdims=True)
    return weights @ v, weights


@lru_cache(maxsize=1)
def attention_exercise() -> Exercise:
    """Exercise 5: `attention(q, k, v, mask=None) -> (output, weights)` on one head of the
    running example's size, a batch of 2 heads with the causal mask, and cross-attention with
    more keys than queries, values of another width and a padding mask."""
    from ..reference import torch_functions

    padding = np.zeros((2, 1, 5), dtype=bool)
    padding[1, ..., 3:] = True  # the second sequence's last 2 keys are padding
    cases = (
        random_case(30, "one head of the running example", q=(3, 6), k=(3, 6), v=(3, 6)),
        Case({**random_case(31, q=(2, 2, 4, 3), k=(2, 2, 4, 3), v=(2, 2, 4, 3)).inputs, "mask": causal_mask(4)},
             "2 sequences x 2 heads with the causal mask"),
        Case({**random_case(32, q=(2, 3, 4), k=(2, 5, 4), v=(2, 5, 2)).inputs, "mask": padding},
             "3 queries, 5 keys, values of width 2, padding mask"),
    )
    mistakes = (
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, mask, scale=1.0),
                "the scores are not scaled: divide q kᵀ by sqrt(d_k), d_k = q.shape[-1]."),
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, mask, scale=1.0 / q.shape[-1]),
                "the scores are divided by d_k; divide by its square root."),
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, mask, scale=np.sqrt(q.shape[-1])),
                "the scores are multiplied by sqrt(d_k); divide instead."),
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, mask, axis=-2),
                "the softmax runs over the queries (axis -2): each *row* (one query) must sum to 1, axis=-1."),
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, mask, transpose_scores=True),
                "the scores are k qᵀ, transposed: rows must be queries, so q @ k.swapaxes(-1, -2)."),
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, None),
                "the mask is ignored: set the scores where mask is True to -inf before the softmax."),
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, None if mask is None else ~mask),
                "the mask is read the wrong way round: True means hidden (np.where(mask, -np.inf, scores))."),
        Mistake(lambda q, k, v, mask=None: attention_with(q, k, v, mask, hide=0.0),
                "hidden scores are set to 0, which still gives them weight exp(0): use -np.inf."),
        Mistake(lambda q, k, v, mask=None: (attention_with(q, k, v, mask)[0], attention_with(q, k, v, mask)[0]),
                "the second value returned should be the weights (..., Tq, Tk), not the output."),
    )
    return Exercise(
        function_name="attention", outputs=("output", "weights"), cases=cases,
        references=(
            Reference("the package's scaled_dot_product_attention", scaled_dot_product_attention),
            Reference("torch.nn.functional.scaled_dot_product_attention",
                      lambda q, k, v, mask=None: (torch_functions.attention(q, k, v, mask), None)),
        ),
        mistakes=mistakes,
        hint="scores = q @ k.swapaxes(-1, -2) / sqrt(d_k); np.where(mask, -np.inf, scores) when there is a mask; "
             "softmax over the last axis; then weights @ v.",
        success="every row of weights is a distribution over the keys it may see.",
    )


def check_attention(function) -> CheckResult:
    """Exercise 5: the reader's `attention(q, k, v, mask=None)`."""
    return check_implementation(function, attention_exercise())


__all__ = ["attention_exercise", "attention_with", "check_attention", "check_attention_output",
           "check_dot_product_std", "check_scaled_scores", "check_softmax_rows",
           "single_head_trace"]
