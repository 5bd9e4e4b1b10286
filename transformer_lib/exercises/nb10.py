"""Checkers for ``10_output_and_loss.ipynb``: the parameters of the paper's output layer, the
running example's cross-entropy by hand, a label-smoothed target distribution, and the loss of
a uniform guess over the paper's vocabulary."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..lessons.toy import DECODER_INPUT_IDS, SOURCE_IDS, TARGET_IDS, toy_model
from ..model.softmax import softmax
from ._counts import check_count
from .feedback import NOT_ATTEMPTED, CheckResult, as_number_array, check_scalar, correct, known_mistake, not_attempted, wrong

# Exercise 1 and 4: the paper's sizes (English-German, a shared vocabulary of about 37,000 tokens).
D_MODEL, PAPER_VOCAB = 512, 37_000
# Exercise 3: label smoothing 0.1 (the paper's value) over the toy vocabulary, correct token joahae (3).
EPS, TOY_VOCAB, ANSWER = 0.1, 11, 3


def check_generator_parameters(answer) -> CheckResult:
    """Exercise 1: parameters of the linear layer from d_model 512 to 37,000 tokens."""
    weights = D_MODEL * PAPER_VOCAB
    expected = weights + PAPER_VOCAB
    return check_count(answer, expected, "the parameter count",
                       "a Linear(d_in, d_out) holds a d_in x d_out weight matrix and one bias per output.", {
                           weights: "that is the weight matrix alone; each of the 37,000 outputs also has a bias.",
                           weights + D_MODEL: "the bias belongs to the outputs: one per token (37,000), not one per "
                                              "input feature.",
                           D_MODEL * D_MODEL + D_MODEL: "that is a 512 x 512 layer; this one maps to the vocabulary.",
                       }, what=f"512 x 37,000 + 37,000 = {expected:,}: about 19 million, more than one whole "
                               "encoder layer of the base model (about 3.2 million).")


@lru_cache(maxsize=1)
def running_example_probabilities() -> np.ndarray:
    """The toy model's output probabilities (3, 11) for the running example."""
    model = toy_model(seed=0)
    logits = model.forward(SOURCE_IDS[None], DECODER_INPUT_IDS[None])[0]
    return softmax(logits)


def check_cross_entropy(answer) -> CheckResult:
    """Exercise 2: the running example's mean cross-entropy from its probabilities (a number)."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = ("take the probability of the correct token at each position (row t, column TARGET_IDS[t]), its natural "
            "log, the mean over the 3 positions, and the minus sign.")
    probs = running_example_probabilities()
    rows = np.arange(3)
    right = probs[rows, TARGET_IDS]
    expected = float(-np.log(right).mean())
    return _check_loss(answer, expected, hint, f"{expected:.4f}, a little above the uniform guess ln 11 = "
                                               f"{math.log(11):.4f}.", [
        (-np.log(right).sum(), "that is the sum over the positions; the loss is their mean (divide by 3)."),
        (np.log(right).mean(), "the sign: log p is negative for p < 1, the loss is -log p."),
        (-np.log10(right).mean(), "that is log base 10; cross-entropy uses the natural log (np.log)."),
        (-np.log(probs[rows, DECODER_INPUT_IDS]).mean(),
         "those are the decoder *input* tokens (<bos> naneun goyangireul); position t must predict target token t: "
         "0 6 3."),
        (-np.log(probs.max(axis=1)).mean(), "that uses each row's largest probability; the loss uses the "
                                            "probability of the correct token, whatever the model prefers."),
        (-np.log(probs).mean(), "that averages -log p over all 11 tokens; only the correct token's probability counts."),
        (1 - right.mean(), "the loss is -log p of the correct tokens, not 1 - p."),
        (math.log(11), "that is the uniform guess; this model's probabilities are not uniform."),
    ])


def smoothed_target() -> np.ndarray:
    """The label-smoothed target (11,): 1 - eps + eps / 11 on joahae, eps / 11 elsewhere."""
    target = np.full(TOY_VOCAB, EPS / TOY_VOCAB)
    target[ANSWER] += 1 - EPS
    return target


def check_smoothed_target(answer) -> CheckResult:
    """Exercise 3: the target distribution with label smoothing 0.1 for the answer joahae (11 numbers)."""
    hint = "(1 - 0.1) x the one-hot vector, plus 0.1 / 11 on every token (the answer included); it sums to 1."
    arr = as_number_array(answer, "the target")
    if isinstance(arr, CheckResult):
        return arr
    if arr.shape != (TOY_VOCAB,):
        return wrong(f"the target has shape {arr.shape}, expected ({TOY_VOCAB},): one number per token.", hint)
    if not np.all(np.isfinite(arr)):
        return wrong("the target holds NaN or inf.", hint)
    expected = smoothed_target()
    close = {"atol": 5e-5, "rtol": 0}
    if np.allclose(arr, expected, **close):
        return correct(f"{expected[ANSWER]:.4f} on joahae and {EPS / TOY_VOCAB:.4f} on each of the other 10 tokens; "
                       "it sums to 1.")
    one_hot = np.eye(TOY_VOCAB)[ANSWER]
    others = np.full(TOY_VOCAB, EPS / (TOY_VOCAB - 1))
    others[ANSWER] = 1 - EPS
    no_answer_share = np.full(TOY_VOCAB, EPS / TOY_VOCAB)
    no_answer_share[ANSWER] = 1 - EPS
    mistakes = [
        (one_hot, "that is the target without smoothing."),
        (others, "that spreads 0.1 over the 10 wrong tokens only; the convention here (and PyTorch's) spreads "
                 "0.1 / 11 over all 11 tokens, the answer included."),
        (no_answer_share, "the answer also gets its share 0.1 / 11 on top of 1 - 0.1: then the row sums to 1."),
        (one_hot + EPS / TOY_VOCAB, "the one-hot part must shrink to 1 - 0.1, or the row sums to more than 1."),
        ((1 - EPS) * one_hot, "add the smoothing mass 0.1 / 11 to every token, or the row sums to 0.9."),
    ]
    diagnosis = known_mistake(arr, mistakes, hint, **close)
    if diagnosis is not None:
        return diagnosis
    if not math.isclose(float(arr.sum()), 1.0, abs_tol=1e-4):
        return wrong(f"the numbers sum to {arr.sum():.4f}; a distribution sums to 1.", hint)
    worst = int(np.argmax(np.abs(arr - expected)))
    return wrong(f"entry {worst} is {arr[worst]:.4f}, expected {expected[worst]:.4f}.", hint)


def check_uniform_loss(answer) -> CheckResult:
    """Exercise 4: the cross-entropy of a uniform guess over 37,000 tokens (a number)."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "every token gets p = 1 / 37,000, so every position's loss is -ln(1 / 37,000)."
    expected = math.log(PAPER_VOCAB)
    return _check_loss(answer, expected, hint, f"ln 37,000 = {expected:.4f}: where training on the paper's data "
                                               "starts.", [
        (math.log10(PAPER_VOCAB), "that is log base 10; cross-entropy uses the natural log."),
        (math.log2(PAPER_VOCAB), "that is log base 2 (the loss in bits); the loss here is in nats, the natural log."),
        (1 / PAPER_VOCAB, "that is the probability of each token; the loss is -ln of it."),
        (-math.log(PAPER_VOCAB), "the sign: ln(1 / 37,000) is negative, the loss is minus that."),
        (math.log(11), "that is the toy vocabulary's ln 11; the paper's has 37,000 tokens."),
    ])


def _check_loss(answer, expected: float, hint: str, what: str, mistakes: list[tuple[float, str]]) -> CheckResult:
    """A loss value within 5e-4 of `expected`; a value within 0.5 % of a known mistake gets its
    message (every mistake lies more than 0.5 % from the right answer)."""
    return check_scalar(answer, expected, "the loss", hint, atol=5e-4, what=what, mistakes=mistakes,
                        mistake_atol=0.0, mistake_rtol=5e-3)
