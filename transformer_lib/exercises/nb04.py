"""Checkers for ``04_multi_head_attention.ipynb``: shapes inside the paper's multi-head
attention, cutting one head's Q out of the full projection, the paper's scale for 2 heads, the
parameter count of a multi-head attention block, and splitting into heads, merging them and the
whole block written as functions."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..lessons.parameter_count import attention_parameters
from ..lessons.toy import SOURCE_IDS, toy_model
from ..model.attention import MultiHeadAttention, scaled_dot_product_attention
from ..model.masks import causal_mask
from ._counts import check_count, check_shape
from .feedback import NOT_ATTEMPTED, CheckResult, check_matrix, check_scalar, correct, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation, random_case

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
        return wrong(f"the answer should be a dict such as {{'Q': (2, 3), ...}}, got {type(answer).__name__}.")
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


# Exercises 5 to 7: splitting into heads, merging them, and the whole block, written by the reader.

def _package_attention(d_model: int, num_heads: int) -> MultiHeadAttention:
    return MultiHeadAttention(d_model, num_heads, np.random.default_rng(0))


def split_heads_with(x, num_heads, order="heads_first"):
    """(B, T, d_model) cut into heads, with one step changed for the typical wrong versions of
    exercise 5: "straight" reshapes to (B, h, T, d_k) without a transpose; "interleaved" gives
    head i every h-th column."""
    b, t, d = x.shape
    d_k = d // num_heads
    if order == "straight":
        return x.reshape(b, num_heads, t, d_k)
    if order == "interleaved":
        return x.reshape(b, t, d_k, num_heads).transpose(0, 3, 1, 2)
    return x.reshape(b, t, num_heads, d_k).transpose(0, 2, 1, 3)


def merge_heads_with(x, order="heads_first"):
    """(B, h, T, d_k) side by side, with one step changed for exercise 6's wrong versions:
    "straight" reshapes to (B, T, h d_k) without a transpose; "interleaved" alternates the heads'
    columns."""
    b, h, t, d_k = x.shape
    if order == "straight":
        return x.reshape(b, t, h * d_k)
    if order == "interleaved":
        return x.transpose(0, 2, 3, 1).reshape(b, t, h * d_k)
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * d_k)


def _column_blocks(x, num_heads):
    """Head i = columns i d_k .. (i + 1) d_k - 1, stacked on a new axis 1: the definition, by slicing."""
    d_k = x.shape[-1] // num_heads
    return np.stack([x[..., i * d_k:(i + 1) * d_k] for i in range(num_heads)], axis=1)


def _head_cases(seed: int) -> tuple[Case, ...]:
    return (
        Case({**random_case(seed, x=(1, 3, 6)).inputs, "num_heads": 2}, "the running example: 3 tokens, 2 heads of 3"),
        Case({**random_case(seed + 1, x=(2, 4, 8)).inputs, "num_heads": 4}, "2 sequences of 4 tokens, 4 heads of 2"),
        Case({**random_case(seed + 2, x=(3, 5, 6)).inputs, "num_heads": 3}, "3 sequences of 5 tokens, 3 heads of 2"),
    )


@lru_cache(maxsize=1)
def split_heads_exercise() -> Exercise:
    """Exercise 5: `split_heads(x, num_heads) -> heads`, (B, T, d_model) -> (B, h, T, d_k)."""
    return Exercise(
        function_name="split_heads", outputs=("heads",), cases=_head_cases(40),
        references=(
            Reference("the package's MultiHeadAttention._split_heads",
                      lambda x, num_heads: _package_attention(x.shape[-1], num_heads)._split_heads(x)),
            Reference("column blocks x[..., i d_k:(i + 1) d_k]", _column_blocks),
        ),
        mistakes=(
            Mistake(lambda x, num_heads: split_heads_with(x, num_heads, "straight"),
                    "reshaping straight to (B, h, T, d_k) cuts the numbers in reading order, so a head's rows mix "
                    "features of different tokens: reshape to (B, T, h, d_k), then move the head axis forward "
                    "with transpose(0, 2, 1, 3)."),
            Mistake(lambda x, num_heads: split_heads_with(x, num_heads, "interleaved"),
                    "each head gets every h-th column; head i owns one contiguous block, columns i d_k to "
                    "(i + 1) d_k - 1: reshape to (B, T, h, d_k)."),
            Mistake(lambda x, num_heads: x.reshape(x.shape[0], x.shape[1], num_heads, -1),
                    "the head axis is still after the tokens, (B, T, h, d_k): transpose(0, 2, 1, 3) puts it "
                    "before them, so that each head is a (T, d_k) matrix."),
        ),
        hint="x.reshape(B, T, num_heads, d_k) splits each token's features into heads; .transpose(0, 2, 1, 3) "
             "brings the heads in front of the tokens.",
        success="head i holds columns i d_k to (i + 1) d_k - 1 of every token.",
    )


def check_split_heads(function) -> CheckResult:
    """Exercise 5: the reader's `split_heads(x, num_heads)`."""
    return check_implementation(function, split_heads_exercise())


@lru_cache(maxsize=1)
def merge_heads_exercise() -> Exercise:
    """Exercise 6: `merge_heads(heads) -> concat`, (B, h, T, d_k) -> (B, T, h d_k)."""
    cases = tuple(Case({"heads": _column_blocks(case.inputs["x"], case.inputs["num_heads"])}, case.label)
                  for case in _head_cases(45))
    return Exercise(
        function_name="merge_heads", outputs=("concat",), cases=cases,
        references=(
            Reference("the package's MultiHeadAttention._merge_heads",
                      lambda heads: _package_attention(heads.shape[1] * heads.shape[3], heads.shape[1])._merge_heads(
                          heads)),
            Reference("np.concatenate of the heads along the features",
                      lambda heads: np.concatenate([heads[:, i] for i in range(heads.shape[1])], axis=-1)),
        ),
        mistakes=(
            Mistake(lambda heads: merge_heads_with(heads, "straight"),
                    "reshaping (B, h, T, d_k) straight to (B, T, h d_k) mixes the tokens: a row gets numbers of "
                    "several tokens of one head. transpose(0, 2, 1, 3) first, then reshape."),
            Mistake(lambda heads: merge_heads_with(heads, "interleaved"),
                    "the heads' columns alternate; the concatenation puts head 1's d_k columns first, then head 2's, "
                    "and so on."),
            Mistake(lambda heads: np.concatenate([heads[:, i] for i in range(heads.shape[1])], axis=1),
                    "the heads are stacked along the tokens (more rows); they go side by side, along the features."),
        ),
        hint="heads.transpose(0, 2, 1, 3) gives (B, T, h, d_k); reshape(B, T, h * d_k) lays each token's heads "
             "side by side.",
        success="each token's row is [head 1 | head 2 | ...], the exact inverse of split_heads.",
    )


def check_merge_heads(function) -> CheckResult:
    """Exercise 6: the reader's `merge_heads(heads)`."""
    return check_implementation(function, merge_heads_exercise())


def multi_head_attention_with(query, key_value, w_q, w_k, w_v, w_o, num_heads, mask=None, split="heads_first",
                              scale_by="d_k", use_w_o=True, swap=False):
    """The block with one step changed, for the typical wrong versions of exercise 7: the `split`
    of split_heads_with, the scale (sqrt of "d_k" or of "d_model"), W_O left out, and queries
    taken from key_value (`swap`)."""
    if swap:
        query, key_value = key_value, query
    q, k, v = (split_heads_with(x @ w, num_heads, split) for x, w in ((query, w_q), (key_value, w_k),
                                                                        (key_value, w_v)))
    d = q.shape[-1] if scale_by == "d_k" else query.shape[-1]
    heads, _ = scaled_dot_product_attention(q, k, v, mask, scale=1.0 / math.sqrt(d))
    concat = merge_heads_with(heads, split)
    return concat @ w_o if use_w_o else concat


def _package_multi_head(query, key_value, w_q, w_k, w_v, w_o, num_heads, mask=None):
    block = _package_attention(query.shape[-1], num_heads)
    for linear, weight in ((block.w_q, w_q), (block.w_k, w_k), (block.w_v, w_v), (block.w_o, w_o)):
        linear.weight[...], linear.bias[...] = weight, 0.0
    return block.forward(query, key_value, mask)


def _multi_head_case(seed, label, b, tq, tk, d, heads, mask=None):
    rng = np.random.default_rng(seed)
    query = rng.standard_normal((b, tq, d))
    key_value = query.copy() if tq == tk and mask is None else rng.standard_normal((b, tk, d))
    weights = {name: rng.standard_normal((d, d)) / math.sqrt(d) for name in ("w_q", "w_k", "w_v", "w_o")}
    return Case({"query": query, "key_value": key_value, **weights, "num_heads": heads, "mask": mask}, label)


@lru_cache(maxsize=1)
def multi_head_attention_exercise() -> Exercise:
    """Exercise 7: `multi_head_attention(query, key_value, w_q, w_k, w_v, w_o, num_heads, mask=None)
    -> output (B, Tq, d_model)`, without biases."""
    from ..reference import torch_functions

    padding = np.zeros((2, 1, 1, 5), dtype=bool)
    padding[1, ..., 3:] = True  # the second source's last 2 keys are padding
    cases = (
        _multi_head_case(70, "self-attention on the running example's shapes, 2 heads", 1, 3, 3, 6, 2),
        _multi_head_case(71, "2 sequences of 4 tokens, 4 heads, the causal mask", 2, 4, 4, 8, 4, causal_mask(4)),
        _multi_head_case(72, "cross-attention: 3 queries, 5 keys, 3 heads, padding mask", 2, 3, 5, 6, 3, padding),
    )
    return Exercise(
        function_name="multi_head_attention", outputs=("output",), cases=cases,
        references=(
            Reference("the package's MultiHeadAttention", _package_multi_head),
            Reference("torch.nn.MultiheadAttention", torch_functions.multi_head_attention),
        ),
        mistakes=(
            Mistake(lambda *args, **kw: multi_head_attention_with(*args, **kw, split="straight"),
                    "the heads are split (or merged) by a reshape without a transpose, so each head mixes the "
                    "features of different tokens: (B, T, d_model) -> (B, T, h, d_k) -> transpose(0, 2, 1, 3)."),
            Mistake(lambda *args, **kw: multi_head_attention_with(*args, **kw, scale_by="d_model"),
                    "the scores are divided by sqrt(d_model) (the lecture's scale); the paper divides by sqrt(d_k), "
                    "the width of one head, d_model / num_heads."),
            Mistake(lambda *args, **kw: multi_head_attention_with(*args, **kw, use_w_o=False),
                    "W_O is missing: multiply the concatenated heads by w_o, which mixes what the heads found."),
            Mistake(lambda *args, **kw: multi_head_attention_with(*args, **kw, split="interleaved"),
                    "each head takes every h-th column; head i owns one contiguous block of d_k columns."),
            Mistake(lambda *args, **kw: multi_head_attention_with(*args, **kw, swap=True),
                    "the queries come from key_value and the keys and values from query: Q = query @ w_q, "
                    "K = key_value @ w_k, V = key_value @ w_v."),
            Mistake(lambda *args: multi_head_attention_with(*args[:7]),
                    "the mask is ignored: pass it to the attention of every head (True = hidden)."),
        ),
        hint="Q, K, V = query @ w_q, key_value @ w_k, key_value @ w_v; split each into heads; attention per head "
             "with scores / sqrt(d_k) and the mask; merge the heads; then @ w_o.",
        success="the heads are cut, attend on their own, and are mixed again by W_O.",
    )


def check_multi_head_attention(function) -> CheckResult:
    """Exercise 7: the reader's `multi_head_attention(query, key_value, w_q, w_k, w_v, w_o, num_heads, mask)`."""
    return check_implementation(function, multi_head_attention_exercise())
