"""Checkers for ``12_training.ipynb``: the warm-up learning rate at one step, the decoder input
of a reversal example, the exact-match accuracy of a few decoded sequences, and one Adam step
written by the reader."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.reversal import BOS_ID, EOS_ID, PAD_ID, token_names
from ..model.module import Module
from ..training.loop import exact_match
from ..training.optim import Adam, warmup_learning_rate
from .feedback import NOT_ATTEMPTED, CheckResult, correct, is_whole_number, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation

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


# Exercise 4: one Adam step, written by the reader.
def adam_step_with(param, grad, m, v, step, lr, beta1, beta2, eps, bias_correction=True, eps_inside=False,
                   moments_after=False):
    """One Adam update with one thing changed, for the typical wrong versions of exercise 4:
    no bias correction, eps under the square root, or the step taken with the moments from
    before this gradient (moments updated after the step). Returns (param, m, v) as new arrays."""
    new_m = beta1 * m + (1 - beta1) * grad
    new_v = beta2 * v + (1 - beta2) * grad**2
    used_m, used_v = (m, v) if moments_after else (new_m, new_v)
    if bias_correction:
        used_m, used_v = used_m / (1 - beta1**step), used_v / (1 - beta2**step)
    denominator = np.sqrt(used_v + eps) if eps_inside else np.sqrt(used_v) + eps
    return param - lr * used_m / denominator, new_m, new_v


def _package_adam_step(param, grad, m, v, step, lr, beta1, beta2, eps):
    """The package's `Adam` on a module holding `param` alone, its moments and step count set to
    those after step - 1 updates."""
    holder = Module()
    holder.add_parameter("param", param.copy())
    holder.gradients()["param"][...] = grad
    optimizer = Adam(holder, lr=lr, betas=(beta1, beta2), eps=eps)
    optimizer.m[0][...], optimizer.v[0][...], optimizer.t = m, v, step - 1
    optimizer.step()
    return holder.param.copy(), optimizer.m[0].copy(), optimizer.v[0].copy()


def _adam_cases(seed: int) -> tuple[Case, ...]:
    rng = np.random.default_rng(seed)
    settings = {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8}
    first = Case({"param": rng.standard_normal((3, 4)), "grad": rng.standard_normal((3, 4)), "m": np.zeros((3, 4)),
                  "v": np.zeros((3, 4)), "step": 1} | settings, "the first step, m = v = 0")
    later = Case({"param": rng.standard_normal(6), "grad": rng.standard_normal(6), "m": 0.1 * rng.standard_normal(6),
                  "v": 0.05 * rng.random(6), "step": 10} | settings, "step 10, moments from earlier steps")
    tiny = 1e-6 * rng.standard_normal((2, 5))  # gradients so small that eps matters
    small = Case({"param": rng.standard_normal((2, 5)), "grad": tiny, "m": 0.5 * tiny, "v": tiny**2, "step": 3}
                 | settings, "step 3, gradients of size 1e-6")
    paper = Case({"param": rng.standard_normal(4), "grad": rng.standard_normal(4), "m": 0.1 * rng.standard_normal(4),
                  "v": 0.1 * rng.random(4), "step": 200, "lr": 0.006, "beta1": 0.9, "beta2": 0.98, "eps": 1e-9},
                 "step 200 with the paper's betas")
    return first, later, small, paper


@lru_cache(maxsize=1)
def adam_step_exercise() -> Exercise:
    """Exercise 4: `adam_step(param, grad, m, v, step, lr, beta1, beta2, eps) -> (param, m, v)`."""
    from ..reference import torch_functions

    return Exercise(
        function_name="adam_step", outputs=("param", "m", "v"), cases=_adam_cases(120),
        references=(
            Reference("the package's Adam", _package_adam_step),
            Reference("torch.optim.Adam", lambda *args: (torch_functions.adam_step(*args), None, None)),
        ),
        mistakes=(
            Mistake(lambda *args: adam_step_with(*args, bias_correction=False),
                    "the bias correction is missing: m and v start at 0, so divide them by 1 - beta1**step and "
                    "1 - beta2**step (on the first step m alone is only (1 - beta1) g)."),
            Mistake(lambda *args: adam_step_with(*args, eps_inside=True),
                    "eps is under the square root: Adam divides by sqrt(v_hat) + eps (it shows when the gradients "
                    "are small)."),
            Mistake(lambda *args: adam_step_with(*args, moments_after=True),
                    "the step uses m and v from before this gradient: update m and v first, then take the step "
                    "with the new ones."),
        ),
        hint="m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g**2; m_hat = m / (1 - beta1**step); "
             "v_hat = v / (1 - beta2**step); param - lr m_hat / (sqrt(v_hat) + eps). Return new arrays.",
        success="your Adam step equals the package's and torch.optim.Adam's, on the first step and later ones.",
    )


def check_adam_step(function) -> CheckResult:
    """Exercise 4: the reader's `adam_step(param, grad, m, v, step, lr, beta1, beta2, eps)`."""
    return check_implementation(function, adam_step_exercise())
