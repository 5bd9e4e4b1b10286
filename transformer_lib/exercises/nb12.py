"""Checkers for ``12_training.ipynb``: the warm-up learning rate at one step, the decoder input
of a reversal example, and the exact-match accuracy of a few decoded sequences."""

from __future__ import annotations

import numpy as np

from ..lessons.reversal import BOS_ID, EOS_ID, PAD_ID, token_names
from ..training.loop import exact_match
from ..training.optim import warmup_learning_rate
from .feedback import NOT_ATTEMPTED, CheckResult, correct, is_whole_number, not_attempted, wrong

# Exercise 1: this chapter's d_model with the warm-up of The Annotated Transformer's copy task.
WARMUP_D_MODEL, WARMUP_STEPS, WARMUP_FACTOR, WARMUP_AT_STEP = 32, 400, 1.0, 100
# Exercise 2: the content "c a h e" to be reversed.
REVERSAL_CONTENT = (5, 3, 10, 7)
# Exercise 3: decoded sequences (greedy decoding keeps emitting <eos> after it) and the labels,
# padded with <pad> (0) after <eos> (2).
EXACT_MATCH_PREDICTIONS = np.array([
    [5, 4, 3, 2, 2, 2],
    [9, 8, 7, 2, 2, 2],
    [6, 6, 7, 10, 2, 2],
    [3, 4, 5, 6, 8, 2],
    [10, 9, 2, 2, 2, 2],
])
EXACT_MATCH_LABELS = np.array([
    [5, 4, 3, 2, 0, 0],
    [9, 8, 2, 0, 0, 0],
    [6, 6, 7, 10, 2, 0],
    [3, 4, 5, 6, 7, 2],
    [10, 9, 2, 0, 0, 0],
])


def _number(answer, name: str) -> float | CheckResult:
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return wrong(f"{name} should be a single number, got {type(answer).__name__}.")
    if not np.isfinite(answer):
        return wrong(f"{name} should be a finite number, got {answer!r}.")
    return float(answer)


def check_warmup_learning_rate(answer) -> CheckResult:
    """Exercise 1: the learning rate at step 100 for d_model 32, 400 warm-up steps, factor 1."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    value = _number(answer, "the learning rate")
    if isinstance(value, CheckResult):
        return value
    d, w, s = WARMUP_D_MODEL, WARMUP_STEPS, WARMUP_AT_STEP
    expected = warmup_learning_rate(s, d, w, WARMUP_FACTOR)
    hint = "lr = d_model^-0.5 * min(step^-0.5, step * warmup^-1.5); during warm-up the second term is the smaller."
    if np.isclose(value, expected, rtol=1e-4, atol=0):
        return correct(f"{expected:.6f}: step {s} is still in the warm-up, where the rate grows linearly "
                       f"(it peaks at step {w} with {warmup_learning_rate(w, d, w):.6f}).")
    mistakes = {
        s * w**-1.5: "the factor d_model^-0.5 is missing.",
        d**-0.5 * s**-0.5: "that is the decay branch step^-0.5; before step 400 the smaller term is step * warmup^-1.5.",
        d**0.5 * s * w**-1.5: "the model width enters as d_model^-0.5 (divide by sqrt(32)), not times sqrt(32).",
        d**-0.5 * w**-0.5: "that is the peak rate at step 400; step 100 is a quarter of the way up.",
        d**-0.5 * s * w**-0.5: "the warm-up term is step * warmup^-1.5 (warmup to the power -1.5).",
    }
    for wrong_value, message in mistakes.items():
        if np.isclose(value, wrong_value, rtol=1e-4, atol=0):
            return wrong(f"{value:.6f}: {message}", hint)
    return wrong(f"{value:.6f} is not the rate at step {s}.", hint)


def _as_id_list(answer, name: str) -> list[int] | CheckResult:
    """`answer` as a list of whole-number ids, or a CheckResult saying why not."""
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, np.ndarray)):
        return wrong(f"{name} should be a list of token ids such as [1, 3, 4], got {type(answer).__name__}.")
    items = np.asarray(answer, dtype=object).ravel().tolist()
    if items and all(isinstance(i, str) for i in items):
        return wrong(f"{name} should hold token ids (numbers), not names.", "reversal.VOCAB.index('<bos>') is 1.")
    ids = []
    for i in items:
        if not is_whole_number(i):
            return wrong(f"{name} should hold whole-number token ids, got {i!r}.")
        ids.append(int(i))
    return ids


def check_reversal_decoder_input(answer) -> CheckResult:
    """Exercise 2: the decoder input (teacher forcing) for the content c a h e = (5, 3, 10, 7)."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    ids = _as_id_list(answer, "the decoder input")
    if isinstance(ids, CheckResult):
        return ids
    content = list(REVERSAL_CONTENT)
    target = content[::-1]
    expected = [BOS_ID, *target]
    hint = "the target is the content reversed; the decoder reads <bos> and then the target, and never reads <eos>."
    if ids == expected:
        return correct(f"{expected} = {' '.join(token_names(expected))}; the labels are the same tokens shifted "
                       f"left with <eos> at the end: {' '.join(token_names([*target, EOS_ID]))}.")
    mistakes = {
        (BOS_ID, *content): "that is the content in its original order; the target is reversed.",
        (BOS_ID, *target, EOS_ID): "the decoder input stops before <eos>: <eos> is only ever predicted.",
        (*target, EOS_ID): "those are the labels (what the decoder must predict); its input starts with <bos>.",
        tuple(target): "the start token <bos> (id 1) is missing in front.",
        (2, *target): "in this chapter's vocabulary <bos> is id 1 (id 2 is <eos>).",
        (PAD_ID, *target): "the start token is <bos> (id 1), not <pad> (id 0).",
        (BOS_ID, *target[:-1]): "the decoder input has one token more than the content: <bos> plus all of the target.",
    }
    if tuple(ids) in mistakes:
        return wrong(f"not {ids}: {mistakes[tuple(ids)]}", hint)
    return wrong(f"not {ids}.", hint)


def check_exact_match_accuracy(answer) -> CheckResult:
    """Exercise 3: the exact-match accuracy of `EXACT_MATCH_PREDICTIONS` against
    `EXACT_MATCH_LABELS`, as a fraction."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    value = _number(answer, "the accuracy")
    if isinstance(value, CheckResult):
        return value
    labels, predictions = EXACT_MATCH_LABELS, EXACT_MATCH_PREDICTIONS
    right = exact_match(predictions, labels, PAD_ID)
    expected = float(right.mean())
    real = labels != PAD_ID
    token_level = float(((predictions == labels) & real).sum() / real.sum())
    whole_rows = float(np.all(predictions == labels, axis=1).mean())
    hint = "a sequence counts only if every label token up to and including <eos> was predicted; compare nothing after."
    if np.isclose(value, expected, atol=1e-3, rtol=0):
        rows = ", ".join(str(i) for i in np.flatnonzero(right))
        return correct(f"{expected:.4f}: sequences {rows} are right; sequence 1 missed its <eos> and sequence 3 "
                       "has one wrong token.")
    if np.isclose(value, 100 * expected):
        return wrong(f"{value:g} looks like a percentage; give the fraction between 0 and 1.", hint)
    if np.isclose(value, right.sum()):
        return wrong(f"{value:g} is the number of right sequences; give the fraction of the {len(labels)}.", hint)
    if np.isclose(value, token_level, atol=1e-3):
        return wrong(f"{value:.4f} is the token-level accuracy; exact match scores whole sequences.", hint)
    if np.isclose(value, whole_rows, atol=1e-3):
        return wrong(f"{value:.4f}: the positions after <eos> hold <pad> in the labels and are not compared.", hint)
    return wrong(f"{value:.4f} is not the exact-match accuracy.", hint)
