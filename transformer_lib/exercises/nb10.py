"""Checkers for ``10_output_and_loss.ipynb``: the parameters of the paper's output layer, the
running example's cross-entropy by hand, a label-smoothed target distribution, and the loss of
a uniform guess over the paper's vocabulary."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..lessons.toy import DECODER_INPUT_IDS, SOURCE_IDS, TARGET_IDS, toy_model
from ..model.loss import CrossEntropyLoss
from ..model.softmax import softmax
from ._counts import check_count
from .feedback import NOT_ATTEMPTED, CheckResult, as_number_array, check_scalar, correct, known_mistake, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation, finite_difference_gradients

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


# Exercise 5: softmax cross-entropy with its gradient and label smoothing, written by the reader.

def cross_entropy_with(logits, targets, label_smoothing, total=False, per_example_grad=False, flip=False,
                       smooth_others=False):
    """Cross-entropy and dL/dlogits with one step changed, for the typical wrong versions of
    exercise 5: the sum instead of the mean (`total`), a gradient not divided by N
    (`per_example_grad`), its sign flipped, smoothing eps / (V - 1) over the wrong classes only
    (`smooth_others`)."""
    n, vocab = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    one_hot = np.eye(vocab)[targets]
    if smooth_others:
        target = one_hot * (1 - label_smoothing) + (1 - one_hot) * label_smoothing / (vocab - 1)
    else:
        target = one_hot * (1 - label_smoothing) + label_smoothing / vocab
    loss = -(target * log_probs).sum() / (1 if total else n)
    grad = (np.exp(log_probs) - target) / (1 if total or per_example_grad else n)
    return float(loss), -grad if flip else grad


def _package_cross_entropy(logits, targets, label_smoothing):
    loss_fn = CrossEntropyLoss(label_smoothing=label_smoothing)
    return loss_fn.forward(logits, targets), loss_fn.backward()


@lru_cache(maxsize=1)
def cross_entropy_exercise() -> Exercise:
    """Exercise 5: `cross_entropy(logits, targets, label_smoothing) -> (loss, dlogits)`, logits
    (N, V), targets (N,) ids."""
    from ..reference import torch_functions

    rng = np.random.default_rng(100)
    cases = (
        Case({"logits": rng.standard_normal((3, TOY_VOCAB)), "targets": TARGET_IDS.copy(), "label_smoothing": 0.0},
             "the running example's 3 positions over 11 tokens"),
        Case({"logits": 3 * rng.standard_normal((8, 5)), "targets": rng.integers(0, 5, 8), "label_smoothing": 0.1},
             "8 positions over 5 tokens, label smoothing 0.1"),
        Case({"logits": 1000 * rng.standard_normal((4, 7)), "targets": rng.integers(0, 7, 4), "label_smoothing": 0.0},
             "very confident logits (size about 1000)"),
    )
    numeric = finite_difference_gradients(lambda logits, targets, eps: _package_cross_entropy(logits, targets, eps)[0],
                                          wrt=(0,))
    mistakes = (
        Mistake(lambda x, t, eps: cross_entropy_with(x, t, eps, total=True),
                "the loss and its gradient are sums over the positions: take the mean (divide by N)."),
        Mistake(lambda x, t, eps: cross_entropy_with(x, t, eps, per_example_grad=True),
                "the gradient is not divided by N: the loss is a mean, so each position's gradient is 1/N of "
                "(softmax - target)."),
        Mistake(lambda x, t, eps: cross_entropy_with(x, t, eps, flip=True),
                "the gradient has the wrong sign: dL/dlogits = softmax - target (it pushes the right logit up "
                "when subtracted)."),
        Mistake(lambda x, t, eps: cross_entropy_with(x, t, eps, smooth_others=True),
                "the smoothing mass goes to the wrong classes only (eps / (V - 1)); here, as in PyTorch, the target "
                "is (1 - eps) one-hot plus eps / V on every class."),
        Mistake(lambda x, t, eps: cross_entropy_with(x, t, 0.0),
                "label smoothing is ignored: the target is (1 - eps) on the answer plus eps / V on every class."),
    )
    return Exercise(
        function_name="cross_entropy", outputs=("loss", "dlogits"), cases=cases,
        references=(
            Reference("the package's CrossEntropyLoss", _package_cross_entropy),
            Reference("torch.nn.functional.cross_entropy and autograd", torch_functions.cross_entropy_with_gradient),
            Reference("finite differences", lambda x, t, eps: (None, numeric(x, t, eps)[0]) if np.abs(x).max() < 100
                      else (None, None), atol=1e-5, rtol=1e-4),
        ),
        mistakes=mistakes,
        hint="log-probabilities = shifted - log(sum(exp(shifted))) with shifted = logits - row max; target = "
             "(1 - eps) one-hot + eps / V; loss = -mean over positions of sum(target * log-probabilities); "
             "dlogits = (softmax - target) / N.",
        success="the gradient is (softmax - target) / N.",
        non_finite="exp overflows for large logits (exp(1000) is inf): subtract each row's maximum first, "
                   "which changes no probability.",
    )


def check_cross_entropy_function(function) -> CheckResult:
    """Exercise 5: the reader's `cross_entropy(logits, targets, label_smoothing)`."""
    return check_implementation(function, cross_entropy_exercise())
