"""The write-it-yourself exercises: for each, a solution written as a reader would passes its
checker; every known mistake of the exercise, as a wrong implementation, is caught with its own
diagnosis; and a few wrong functions written independently of the checker's list are diagnosed."""

import numpy as np
import pytest

from transformer_lib.exercises import nb03, nb05, nb10, nb11
from transformer_lib.exercises.implement import check_implementation


def attention(q, k, v, mask=None):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def layer_norm(x, gamma, beta, eps):
    x_hat = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    return gamma * x_hat + beta


def layer_norm_backward(dout, x, gamma, eps):
    x_hat = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    rows = dout.reshape(-1, x.shape[-1]), x_hat.reshape(-1, x.shape[-1])
    return dx, (rows[0] * rows[1]).sum(axis=0), rows[0].sum(axis=0)


def cross_entropy(logits, targets, label_smoothing):
    n, vocab = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    target = (1 - label_smoothing) * np.eye(vocab)[targets] + label_smoothing / vocab
    return -(target * log_probs).sum() / n, (np.exp(log_probs) - target) / n


def attention_backward(dout, q, k, v, mask=None):
    output, weights = attention(q, k, v, mask)
    dweights = dout @ v.swapaxes(-1, -2)
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True)) / np.sqrt(q.shape[-1])
    return dscores @ k, dscores.swapaxes(-1, -2) @ q, weights.swapaxes(-1, -2) @ dout


EXERCISES = {
    "03 attention": (nb03.attention_exercise, nb03.check_attention, attention),
    "05 layer norm": (nb05.layer_norm_exercise, nb05.check_layer_norm, layer_norm),
    "05 layer norm backward": (nb05.layer_norm_backward_exercise, nb05.check_layer_norm_backward, layer_norm_backward),
    "10 cross-entropy": (nb10.cross_entropy_exercise, nb10.check_cross_entropy_function, cross_entropy),
    "11 attention backward": (nb11.attention_backward_exercise, nb11.check_attention_backward, attention_backward),
}


@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_passes(name):
    _, check, solution = EXERCISES[name]
    result = check(solution)
    assert result.passed, result.message


@pytest.mark.parametrize("name", EXERCISES)
def test_every_known_mistake_gets_its_own_diagnosis(name):
    exercise, check, _ = EXERCISES[name]
    mistakes = exercise().mistakes
    assert len(mistakes) >= 3
    for mistake in mistakes:
        result = check(mistake.function)
        assert not result.passed and mistake.diagnosis in result.message, (mistake.diagnosis, result.message)


@pytest.mark.parametrize("name", EXERCISES)
def test_the_stub_is_not_attempted_yet(name):
    exercise, check, _ = EXERCISES[name]

    def stub(*args):
        """The reader's stub."""
        raise NotImplementedError

    assert check(stub).message.startswith("Not attempted yet")
    assert check_implementation(stub, exercise()).message == check(stub).message


def test_attention_written_with_typical_slips():
    def sqrt_d_model_on_2d(q, k, v, mask=None):  # divides by a fixed 6 instead of sqrt(d_k)
        return attention(q * np.sqrt(q.shape[-1]) / 6, k, v, mask)

    def column_softmax(q, k, v, mask=None):
        scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            scores = np.where(mask, -np.inf, scores)
        e = np.exp(scores - scores.max(axis=-2, keepdims=True))
        w = e / e.sum(axis=-2, keepdims=True)
        return w @ v, w

    def mask_times_zero(q, k, v, mask=None):
        scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores * ~mask
        e = np.exp(scores)
        w = e / e.sum(axis=-1, keepdims=True)
        return w @ v, w

    assert "expected" in nb03.check_attention(sqrt_d_model_on_2d).message
    assert "over the queries" in nb03.check_attention(column_softmax).message
    assert "set to 0" in nb03.check_attention(mask_times_zero).message


def test_layer_norm_written_with_typical_slips():
    def unbiased(x, gamma, beta, eps):
        return gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(np.var(x, axis=-1, ddof=1, keepdims=True) + eps) + beta

    def only_first_term(dout, x, gamma, eps):
        inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
        x_hat = (x - x.mean(axis=-1, keepdims=True)) * inv_std
        axes = tuple(range(x.ndim - 1))
        return dout * gamma * inv_std, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)

    def dgamma_per_token(dout, x, gamma, eps):
        dx, _, dbeta = layer_norm_backward(dout, x, gamma, eps)
        x_hat = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
        return dx, dout * x_hat, dbeta

    assert "unbiased" in nb05.check_layer_norm(unbiased).message
    assert "treats the mean and the variance as constants" in nb05.check_layer_norm_backward(only_first_term).message
    message = nb05.check_layer_norm_backward(dgamma_per_token).message
    assert "dgamma has shape (3, 6), expected (6,)" in message


def test_cross_entropy_and_attention_backward_written_with_typical_slips():
    def naive(logits, targets, label_smoothing):
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        target = (1 - label_smoothing) * np.eye(logits.shape[1])[targets] + label_smoothing / logits.shape[1]
        return -(target * np.log(probs)).sum() / len(targets), (probs - target) / len(targets)

    def python_float_loss_list_grad(logits, targets, label_smoothing):
        loss, grad = cross_entropy(logits, targets, label_smoothing)
        return loss, grad.tolist()

    def elementwise_softmax_backward(dout, q, k, v, mask=None):
        output, weights = attention(q, k, v, mask)
        dscores = (dout @ v.swapaxes(-1, -2)) * weights * (1 - weights) / np.sqrt(q.shape[-1])
        return dscores @ k, dscores.swapaxes(-1, -2) @ q, weights.swapaxes(-1, -2) @ dout

    assert "subtract each row's maximum" in nb10.check_cross_entropy_function(naive).message
    assert "dlogits should be a NumPy array, got a list" in nb10.check_cross_entropy_function(python_float_loss_list_grad).message
    assert "keeps only p (1 - p)" in nb11.check_attention_backward(elementwise_softmax_backward).message
