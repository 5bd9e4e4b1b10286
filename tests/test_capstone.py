"""The capstone's checker: the reader's seven functions, put into every layer of an encoder-decoder
through `Module.override`, train it as the package's layers do; a wrong function is caught by the
loss curve and named, with its own exercise's diagnosis; a stub is not attempted yet."""

import numpy as np
import pytest

from transformer_lib.exercises import capstone, nb03, nb05


def attention(q, k, v, mask=None):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def attention_backward(dout, q, k, v, mask=None):
    _, weights = attention(q, k, v, mask)
    dweights = dout @ v.swapaxes(-1, -2)
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True)) / np.sqrt(q.shape[-1])
    return dscores @ k, dscores.swapaxes(-1, -2) @ q, weights.swapaxes(-1, -2) @ dout


def layer_norm(x, gamma, beta, eps):
    return gamma * (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps) + beta


def layer_norm_backward(dout, x, gamma, eps):
    inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    x_hat = (x - x.mean(axis=-1, keepdims=True)) * inv_std
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    axes = tuple(range(x.ndim - 1))
    return dx, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)


def feed_forward(x, w1, b1, w2, b2):
    return np.maximum(x @ w1 + b1, 0) @ w2 + b2


def feed_forward_backward(dout, x, w1, b1, w2):
    hidden = x @ w1 + b1
    d_hidden = (dout @ w2.T) * (hidden > 0)
    rows = x.reshape(-1, x.shape[-1]), np.maximum(hidden, 0).reshape(-1, w1.shape[1])
    d_rows = d_hidden.reshape(-1, w1.shape[1]), dout.reshape(-1, w2.shape[1])
    return d_hidden @ w1.T, rows[0].T @ d_rows[0], d_rows[0].sum(axis=0), rows[1].T @ d_rows[1], d_rows[1].sum(axis=0)


def cross_entropy(logits, targets, label_smoothing):
    n, vocab = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    target = (1 - label_smoothing) * np.eye(vocab)[targets] + label_smoothing / vocab
    return -(target * log_probs).sum() / n, (np.exp(log_probs) - target) / n


SOLUTION = {"attention": attention, "attention_backward": attention_backward, "layer_norm": layer_norm,
            "layer_norm_backward": layer_norm_backward, "feed_forward": feed_forward,
            "feed_forward_backward": feed_forward_backward, "cross_entropy": cross_entropy}


def test_the_solution_trains_exactly_like_the_package_and_learns():
    run = capstone.compare_training(**SOLUTION)
    assert run.verdict.passed, run.verdict.message
    assert len(run.your_losses) == len(run.library_losses) == capstone.STEPS
    np.testing.assert_allclose(run.your_losses, run.library_losses, rtol=1e-10)
    assert run.library_losses[-10:].mean() < 0.7 * run.library_losses[0]  # it learns, not only agrees


def unscaled_attention(q, k, v, mask=None):
    return nb03.attention_with(q, k, v, mask, scale=1.0)


def layer_norm_backward_without_the_mean_term(dout, x, gamma, eps):
    return nb05.layer_norm_backward_with(dout, x, gamma, eps, drop_mean=True)


def cross_entropy_gradient_not_divided_by_n(logits, targets, label_smoothing):
    loss, dlogits = cross_entropy(logits, targets, label_smoothing)
    return loss, dlogits * len(targets)


@pytest.mark.parametrize(("name", "wrong_function", "parts_at", "diagnosis"), [
    ("attention", unscaled_attention, 0, "the scores are not scaled"),
    ("layer_norm_backward", layer_norm_backward_without_the_mean_term, 1, "dx is missing the term from the mean"),
    ("cross_entropy", cross_entropy_gradient_not_divided_by_n, 1, "the gradient is not divided by N"),
])
def test_a_wrong_function_parts_the_curves_and_is_named(name, wrong_function, parts_at, diagnosis):
    """A wrong forward parts the curves at once; a wrong gradient one step later, after the update
    it spoiled; either way the function is named with its exercise's diagnosis."""
    run = capstone.compare_training(**{**SOLUTION, name: wrong_function})
    message = run.verdict.message
    assert not run.verdict.passed
    assert len(run.your_losses) == parts_at + 1
    assert f"the loss curves part at step {parts_at}" in message
    assert f"the first function that differs from the package's is `{name}`" in message
    assert diagnosis in message


def test_a_wrong_feed_forward_backward_is_named_even_without_a_known_diagnosis():
    def bias_gradients_halved(dout, x, w1, b1, w2):
        dx, dw1, db1, dw2, db2 = feed_forward_backward(dout, x, w1, b1, w2)
        return dx, dw1, db1 / 2, dw2, db2 / 2

    message = capstone.check_capstone(**{**SOLUTION, "feed_forward_backward": bias_gradients_halved}).message
    assert "is `feed_forward_backward`" in message and "db1[0] is" in message


def test_a_stub_is_not_attempted_and_a_missing_return_or_an_error_is_reported():
    def layer_norm_stub(x, gamma, beta, eps):
        """The reader's stub."""
        ...

    def no_return(x, gamma, beta, eps):
        layer_norm(x, gamma, beta, eps)

    def raises(x, w1, b1, w2, b2):
        raise NotImplementedError

    def crashes(logits, targets, label_smoothing):
        return np.log(logits.sum(axis=2)), logits

    message = capstone.check_capstone(**{**SOLUTION, "layer_norm": layer_norm_stub}).message
    assert message.startswith("Not attempted yet: write the body of `layer_norm` (from chapter 05, exercise 5)")
    assert capstone.check_capstone(**{**SOLUTION, "feed_forward": raises}).message.startswith(
        "Not attempted yet: write the body of `feed_forward`")
    message = capstone.check_capstone(**{**SOLUTION, "layer_norm": no_return}).message
    assert "`layer_norm`" in message and "returned None for y" in message
    message = capstone.check_capstone(**{**SOLUTION, "cross_entropy": crashes}).message
    assert "`cross_entropy` raised AxisError" in message and "line 2" in message and "step 0, the loss" in message


def test_every_function_must_be_given_by_its_name():
    with pytest.raises(TypeError, match=r"missing \['cross_entropy'\], unknown \['loss'\]"):
        capstone.compare_training(**{**{k: v for k, v in SOLUTION.items() if k != "cross_entropy"}, "loss": None})


def test_the_feed_forward_exercise_passes_the_solution_and_names_each_known_mistake():
    assert capstone.check_feed_forward(feed_forward).passed
    assert capstone.check_feed_forward_backward(feed_forward_backward).passed
    for exercise, check in ((capstone.feed_forward_exercise(), capstone.check_feed_forward),
                            (capstone.feed_forward_backward_exercise(), capstone.check_feed_forward_backward)):
        for mistake in exercise.mistakes:
            result = check(mistake.function)
            assert not result.passed and mistake.diagnosis in result.message, result.message
