"""Checkers for ``01_embedding.ipynb``: a one-hot matrix, an embedding lookup with the
sqrt(d_model) scale, the gradient of the embedding table when a token is read twice, the size
of the paper's embedding table, and the lookup and its gradient written as functions."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.toy import VOCAB, toy_model
from ..model.embedding import Embedding
from .feedback import NOT_ATTEMPTED, CheckResult, as_number_array, check_matrix, check_scalar, correct, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation, finite_difference_gradients

D_MODEL = 6
# Exercise 1: "cats I cats".
ONE_HOT_IDS = (9, 5, 9)
# Exercise 2: "love cats".
LOOKUP_IDS = (8, 9)
# Exercise 3: "I love cats love": token 8 is read twice.
GRADIENT_IDS = (5, 8, 9, 8)
# Exercise 4: the paper's shared English-German vocabulary and model width.
PAPER_VOCAB, PAPER_D_MODEL = 37000, 512


def check_one_hot(answer) -> CheckResult:
    """Exercise 1: the one-hot matrix (3, 11) of the ids 9 5 9."""
    name = "the one-hot matrix"
    hint = "one row per token; row t has a single 1 in column ids[t] (columns are numbered from 0)."
    arr = as_number_array(answer, name)
    if isinstance(arr, CheckResult):
        return arr
    expected = np.eye(len(VOCAB))[list(ONE_HOT_IDS)]
    if arr.shape == expected.T.shape and np.array_equal(arr, expected.T):
        return wrong("that is transposed: one row per token (3 rows), one column per vocabulary entry (11).", hint)
    if arr.shape == expected.shape:
        shifted = np.eye(len(VOCAB))[[i - 1 for i in ONE_HOT_IDS]]
        if np.array_equal(arr, shifted):
            return wrong("every 1 is one column too far left: token ids count from 0, so id 9 is column 9.", hint)
    if arr.shape == (len(VOCAB),) and np.array_equal(arr, expected.sum(axis=0)):
        return wrong("that is the count of each token (a bag of words): the one-hot matrix keeps one row per "
                     "token, in order.", hint)
    return check_matrix(arr, expected, name, hint, atol=0,
                        what="rows 0 and 2 are the same, because the same token gives the same one-hot row.")


def lookup_solution(seed: int = 0) -> np.ndarray:
    """The toy model's source embedding of "love cats" (2, 6), scale included."""
    model = toy_model(seed=seed)
    return model.src_embed.forward(np.array(LOOKUP_IDS))


def check_lookup(answer, seed: int = 0) -> CheckResult:
    """Exercise 2: the embedding of "love cats" (ids 8, 9) in the toy model of `seed`, (2, 6)."""
    name = "the embedding"
    hint = "take rows 8 and 9 of model.src_embed.weight and multiply them by sqrt(6)."
    arr = as_number_array(answer, name)
    if isinstance(arr, CheckResult):
        return arr
    table = toy_model(seed=seed).src_embed.weight
    rows = table[list(LOOKUP_IDS)]
    mistakes = [
        (rows, "those are the plain table rows; the toy model (like the paper) multiplies them by sqrt(6)."),
        (rows * D_MODEL, "the scale is sqrt(d_model) = 2.4495, not d_model."),
        (rows / np.sqrt(D_MODEL), "multiply by sqrt(6), don't divide."),
        (table[[i + 1 for i in LOOKUP_IDS]] * np.sqrt(D_MODEL), "those are rows 9 and 10: ids count from 0."),
        (table[list(LOOKUP_IDS)[::-1]] * np.sqrt(D_MODEL), "the rows are in the wrong order: 'love' first."),
    ]
    return check_matrix(arr, lookup_solution(seed), name, hint, atol=1e-6, mistakes=mistakes,
                        what="rows 8 and 9 of the table, times sqrt(6).")


def gradient_dout() -> np.ndarray:
    """The gradient arriving at the embedding's output in exercise 3: (4, 6), fixed seed."""
    return np.round(np.random.default_rng(1).standard_normal((len(GRADIENT_IDS), D_MODEL)), 2)


def gradient_solution() -> np.ndarray:
    """The embedding table's gradient (11, 6) for `GRADIENT_IDS` and `gradient_dout()`, scale sqrt(6)."""
    grad = np.zeros((len(VOCAB), D_MODEL))
    np.add.at(grad, list(GRADIENT_IDS), gradient_dout() * np.sqrt(D_MODEL))
    return grad


def check_embedding_gradient(answer) -> CheckResult:
    """Exercise 3: the gradient of the (11, 6) table for "I love cats love" (ids 5 8 9 8) and the
    output gradient `gradient_dout()`, with the sqrt(6) scale."""
    name = "the gradient"
    hint = ("row k of the gradient is sqrt(6) times the sum of the output-gradient rows of every position that "
            "read token k; rows of tokens not read stay 0.")
    arr = as_number_array(answer, name)
    if isinstance(arr, CheckResult):
        return arr
    dout, scale = gradient_dout(), np.sqrt(D_MODEL)
    expected = gradient_solution()
    if arr.shape == dout.shape:
        return wrong("that has one row per position (4 x 6); the table's gradient has one row per vocabulary "
                     "entry (11 x 6).", hint)
    overwritten = np.zeros_like(expected)
    overwritten[list(GRADIENT_IDS)] = dout * scale  # fancy-index assignment: the last write wins
    first_only = expected.copy()
    first_only[8] = dout[1] * scale
    mistakes = [
        (overwritten, "row 8 holds only the last position's gradient: token 8 is read twice, so both "
                      "gradients add up (a plain grad[ids] += dout keeps one of them; np.add.at adds all)."),
        (first_only, "row 8 holds only the first position's gradient: both reads of token 8 add up."),
        (expected / scale, "the forward pass multiplied the rows by sqrt(6), so the gradient is multiplied "
                           "by sqrt(6) too."),
    ]
    return check_matrix(arr, expected, name, hint, atol=1e-6, mistakes=mistakes,
                        what="row 8 is sqrt(6) times the sum of two gradient rows; rows never read are 0.")


def check_paper_table_size(answer) -> CheckResult:
    """Exercise 4: how many numbers the paper's embedding table holds (37,000 tokens x 512)."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    expected = PAPER_VOCAB * PAPER_D_MODEL
    hint = "one row of d_model numbers per vocabulary entry."
    if isinstance(answer, (int, float, np.integer, np.floating)) and not isinstance(answer, bool):
        if answer == PAPER_VOCAB + PAPER_D_MODEL:
            return wrong("the table is vocabulary x d_model, a product, not a sum.", hint)
        if answer == expected * 3:
            return wrong("the paper shares one table between the encoder, the decoder and the output layer: count "
                         "it once.", hint)
    result = check_scalar(answer, expected, "the number", hint, atol=0.5)
    if result.passed:
        return correct(f"{expected:,} numbers (the paper shares this one table between the encoder input, the "
                       "decoder input and the output layer).")
    return result


# Exercises 5 and 6: the lookup and its gradient, written by the reader.

def _embedding_cases(seed: int) -> tuple[Case, ...]:
    """The running example's table and ids, a batch that reads tokens twice, and a table of
    another shape with ids drawn at random (repeats included)."""
    rng = np.random.default_rng(seed)
    return (
        Case({"table": rng.standard_normal((len(VOCAB), D_MODEL)), "ids": np.array([5, 8, 9])},
             "the running example, I love cats"),
        Case({"table": rng.standard_normal((len(VOCAB), D_MODEL)), "ids": np.array([[5, 8, 9], [5, 8, 7]])},
             "I love cats / I love dogs, I and love read twice"),
        Case({"table": rng.standard_normal((7, 4)), "ids": rng.integers(0, 7, size=(2, 5))},
             "a table of 7 tokens of width 4, random ids"),
    )


def embed_with(table, ids, multiplier=None, shift=0):
    """The lookup with one step changed, for the typical wrong versions of exercise 5: the
    `multiplier` (default sqrt(d_model)) and ids read `shift` rows off."""
    multiplier = np.sqrt(table.shape[1]) if multiplier is None else multiplier
    return table[(ids + shift) % table.shape[0]] * multiplier


def _package_embed(table, ids):
    layer = Embedding(*table.shape, np.random.default_rng(0), scale=True)
    layer.weight[...] = table
    return layer.forward(ids)


@lru_cache(maxsize=1)
def embed_exercise() -> Exercise:
    """Exercise 5: `embed(table, ids) -> vectors`, table (V, d_model), ids (...) -> (..., d_model)."""
    from ..reference import torch_functions

    return Exercise(
        function_name="embed", outputs=("vectors",), cases=_embedding_cases(10),
        references=(
            Reference("the package's Embedding", _package_embed),
            Reference("torch.nn.functional.embedding", lambda table, ids: torch_functions.embedding_with_gradient(
                table, ids, np.zeros((*np.shape(ids), table.shape[1])), np.sqrt(table.shape[1]))[0]),
        ),
        mistakes=(
            Mistake(lambda table, ids: embed_with(table, ids, 1.0),
                    "the rows are not scaled: the paper (and the toy model) multiply them by sqrt(d_model)."),
            Mistake(lambda table, ids: embed_with(table, ids, 1 / np.sqrt(table.shape[1])),
                    "the rows are divided by sqrt(d_model); multiply instead."),
            Mistake(lambda table, ids: embed_with(table, ids, float(table.shape[1])),
                    "the rows are multiplied by d_model; the scale is its square root."),
            Mistake(lambda table, ids: embed_with(table, ids, np.sqrt(table.shape[0])),
                    "the scale uses the vocabulary size (table.shape[0]); d_model is table.shape[1]."),
            Mistake(lambda table, ids: embed_with(table, ids, shift=1),
                    "each id reads the row after its own: ids count from 0, so id t is row t."),
        ),
        hint="table[ids] picks one row per id, whatever the shape of ids; multiply by np.sqrt(table.shape[1]).",
        success="one scaled row of the table per id, for ids of any shape.",
    )


def check_embed(function) -> CheckResult:
    """Exercise 5: the reader's `embed(table, ids)`."""
    return check_implementation(function, embed_exercise())


def embed_backward_with(dout, table, ids, multiplier=None, accumulate=True):
    """The table's gradient with one step changed, for the typical wrong versions of exercise 6:
    the `multiplier` (default sqrt(d_model)) and rows written (last write wins) instead of added."""
    multiplier = np.sqrt(table.shape[1]) if multiplier is None else multiplier
    grad = np.zeros_like(table)
    rows = dout.reshape(-1, table.shape[1]) * multiplier
    if accumulate:
        np.add.at(grad, ids.ravel(), rows)
    else:
        grad[ids.ravel()] += rows  # buffered: a repeated id keeps one of its rows
    return grad


def _package_embed_backward(dout, table, ids):
    layer = Embedding(*table.shape, np.random.default_rng(0), scale=True)
    layer.weight[...] = table
    layer.zero_grad()
    layer.forward(ids)
    layer.backward(dout)
    return layer.gradients()["weight"]


def _embed_loss(dout, table, ids):
    return float((embed_with(table, ids) * dout).sum())


@lru_cache(maxsize=1)
def embed_backward_exercise() -> Exercise:
    """Exercise 6: `embed_backward(dout, table, ids) -> dtable`, dout (..., d_model), table
    (V, d_model), ids (...) -> dtable (V, d_model)."""
    from ..reference import torch_functions

    numeric = finite_difference_gradients(_embed_loss, wrt=(1,))
    cases = tuple(Case({"dout": np.random.default_rng(11 + i).standard_normal((*case.inputs["ids"].shape,
                                                                              case.inputs["table"].shape[1])),
                        **case.inputs}, case.label)
                  for i, case in enumerate(_embedding_cases(12)))
    return Exercise(
        function_name="embed_backward", outputs=("dtable",), cases=cases,
        references=(
            Reference("the package's Embedding.backward", _package_embed_backward),
            Reference("autograd through torch.nn.functional.embedding",
                      lambda dout, table, ids: torch_functions.embedding_with_gradient(
                          table, ids, dout, np.sqrt(table.shape[1]))[1]),
            Reference("finite differences", lambda dout, table, ids: numeric(dout, table, ids)[0],
                      atol=1e-6, rtol=1e-5),
        ),
        mistakes=(
            Mistake(lambda dout, table, ids: embed_backward_with(dout, table, ids, accumulate=False),
                    "a token read twice keeps only one of its gradients: `grad[ids] += rows` (or `=`) writes each "
                    "row once; every occurrence must be added, with np.add.at(grad, ids, rows) or a loop."),
            Mistake(lambda dout, table, ids: embed_backward_with(dout, table, ids, 1.0),
                    "the gradient misses the forward's factor: the rows were multiplied by sqrt(d_model), so their "
                    "gradient is too."),
            Mistake(lambda dout, table, ids: embed_backward_with(dout, table, ids, 1 / np.sqrt(table.shape[1])),
                    "the gradient is divided by sqrt(d_model); the forward multiplied, so multiply."),
            Mistake(lambda dout, table, ids: dout * np.sqrt(table.shape[1]),
                    "that is one row per position read; the table's gradient has one row per vocabulary entry, "
                    "the shape of the table."),
        ),
        hint="start from np.zeros_like(table); row ids[t] receives sqrt(d_model) * dout[t] for every position t, "
             "added (np.add.at(grad, ids.ravel(), rows) with rows = dout.reshape(-1, d_model) * sqrt(d_model)).",
        success="every read adds its gradient into its row, and rows never read stay 0.",
    )


def check_embed_backward(function) -> CheckResult:
    """Exercise 6: the reader's `embed_backward(dout, table, ids)`."""
    return check_implementation(function, embed_backward_exercise())
