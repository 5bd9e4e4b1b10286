"""The capstone's checker: the reader's seven functions, put into every layer of an encoder-decoder
through `Module.override`, train it as the package's layers do; a wrong function is caught by the
loss curve and named, with its own exercise's diagnosis; a stub is not attempted yet."""

import numpy as np
import pytest
from test_exercises_write_it_yourself import (
    attention,
    attention_backward,
    cross_entropy,
    layer_norm,
    layer_norm_backward,
)
from test_exercises_write_it_yourself_06_09 import feed_forward

from transformer_lib.exercises import capstone, nb03, nb05


def feed_forward_backward(dout, x, w1, b1, w2):
    hidden = x @ w1 + b1
    d_hidden = (dout @ w2.T) * (hidden > 0)
    rows = x.reshape(-1, x.shape[-1]), np.maximum(hidden, 0).reshape(-1, w1.shape[1])
    d_rows = d_hidden.reshape(-1, w1.shape[1]), dout.reshape(-1, w2.shape[1])
    return d_hidden @ w1.T, rows[0].T @ d_rows[0], d_rows[0].sum(axis=0), rows[1].T @ d_rows[1], d_rows[1].sum(axis=0)


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
