import numpy as np
import pytest
import torch

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.exercises import nb11


def running_example():
    model = toy.toy_model(seed=0)
    criterion = tl.CrossEntropyLoss()
    logits = model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])
    criterion.forward(logits, toy.TARGET_IDS[None])
    return model, logits[0], criterion.backward()[0]


def test_logits_gradient():
    _, logits, dlogits = running_example()
    probs, one_hot = tl.softmax(logits), np.eye(11)[toy.TARGET_IDS]
    solution = (probs - one_hot) / 3
    np.testing.assert_allclose(solution, dlogits, atol=1e-15)
    z = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(z, torch.as_tensor(toy.TARGET_IDS)).backward()
    np.testing.assert_allclose(solution, z.grad.numpy(), atol=1e-15)
    assert nb11.check_logits_gradient(solution).passed
    assert nb11.check_logits_gradient(np.round(solution, 4)).passed
    for answer, words in [
        (probs - one_hot, "divide by 3"),
        ((one_hot - probs) / 3, "the sign"),
        ((probs - one_hot) / 11, "not by the vocabulary size"),
        (probs / 3, "subtract the one-hot target"),
        ((probs - np.eye(11)[toy.DECODER_INPUT_IDS]) / 3, "not the decoder input"),
        (np.zeros((3, 11)), "expected"),
        (solution[:, :10], "shape (3, 10)"),
        (solution.T, "shape (11, 3)"),
        ("p - y", "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb11.check_logits_gradient(answer)
        assert not result.passed and words in result.message, answer


def test_weight_gradient():
    model, _, dlogits = running_example()
    X = model.trace()["decoder_output"][0]
    solution = X.T @ dlogits
    model.zero_grad()
    model.backward(dlogits[None])
    np.testing.assert_allclose(solution, model.gradients()["generator.weight"], atol=1e-15)
    assert nb11.check_weight_gradient(solution).passed
    for answer, words in [
        (dlogits.T @ X, "Gᵀ X"),
        (dlogits @ model.generator.weight.T, "dX = G Wᵀ"),
        (dlogits.sum(axis=0), "bias gradient"),
        (3 * solution, "3 times too large"),
        (X.T @ tl.softmax(model.trace()["logits"][0]), "dW"),
        (np.zeros((6, 11)), "dW"),
        (np.zeros((2, 2)), "shape (2, 2)"),
        ([[1, 2], [3]], "array of numbers"),
        (None, "Not attempted"),
    ]:
        result = nb11.check_weight_gradient(answer)
        assert not result.passed and words in result.message, answer


def test_softmax_row_matches_the_whole_backward():
    """dS of the exercise is what the package's attention backward computes for that row."""
    model, _, dlogits = running_example()
    captured = {}

    def spy(dout, probs):
        result = tl.softmax_backward(dout, probs)
        if probs.shape == (1, 2, 3, 3) and "dS" not in captured:   # the decoder's cross-attention comes first
            captured["P"], captured["dS"] = probs[0, 0].copy(), result[0, 0].copy()  # the caller may scale result in place
        return result

    with model.override(tl.MultiHeadAttention, softmax_backward=spy):
        model.zero_grad()
        model.backward(dlogits[None])
    d = nb11.running_example_backward()
    np.testing.assert_allclose(captured["P"], d["P"], atol=0)
    np.testing.assert_allclose(nb11.expected_softmax_row(), captured["dS"][1], atol=1e-15)
    # ... and it is what centred differences give for the surrogate loss dP . softmax(s).
    s = model.trace()["decoder.layers.0.cross_attn.scaled_scores"][0, 0, 1].copy()
    numerical = tl.numerical_gradient(lambda: float(d["dP"][1] @ tl.softmax(s)), s)
    assert tl.relative_error(numerical, nb11.expected_softmax_row()) < 1e-7


def test_softmax_backward_checker():
    d = nb11.running_example_backward()
    p, dp = d["P"][1], d["dP"][1]
    solution = p * (dp - dp @ p)
    assert nb11.check_softmax_backward(solution).passed
    rounded_p, rounded_dp = np.round(p, 4), np.round(dp, 4)       # typed from the printed numbers
    assert nb11.check_softmax_backward(rounded_p * (rounded_dp - rounded_dp @ rounded_p)).passed
    for answer, words in [
        (p * (1 - p) * dp, "only the diagonal"),
        (p * dp, "is missing"),
        (dp - dp @ p, "multiply by p"),
        (dp, "dLoss/dp itself"),
        (-solution, "expected"),
        (solution[:2], "shape (2,)"),
        ([np.nan, 0, 0], "NaN or inf"),
        ({"a": 1}, "array of numbers"),
        (..., "Not attempted"),
    ]:
        result = nb11.check_softmax_backward(answer)
        assert not result.passed and words in result.message, answer


def test_relu_backward():
    solution = tl.relu_backward(nb11.RELU_DOUT, nb11.RELU_HIDDEN)
    h = torch.tensor(nb11.RELU_HIDDEN, requires_grad=True)
    (torch.relu(h) * torch.as_tensor(nb11.RELU_DOUT)).sum().backward()
    np.testing.assert_array_equal(solution, h.grad.numpy())          # PyTorch also uses slope 0 at 0
    assert nb11.check_relu_backward(solution).passed
    assert nb11.check_relu_backward([0.2, 0, 0, -0.5, 0]).passed
    for answer, words in [
        ([0.2, 0, -0.1, -0.5, 0], "exactly 0"),
        ([0.2, 0.4, 0, 0, 0.3], "not from the sign"),
        (nb11.RELU_DOUT * np.maximum(nb11.RELU_HIDDEN, 0), "not by its output"),
        (nb11.RELU_DOUT, "pass no gradient"),
        ([0.2, 0, 0, 0.5, 0], "expected"),
        ([0.2, 0, 0, -0.5], "shape (4,)"),
        ("0.2 0 0", "array of numbers"),
        (None, "Not attempted"),
    ]:
        result = nb11.check_relu_backward(answer)
        assert not result.passed and words in result.message, answer


@pytest.mark.parametrize("checker", [nb11.check_logits_gradient, nb11.check_weight_gradient,
                                     nb11.check_softmax_backward, nb11.check_relu_backward])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), float("inf"), -1, b"x", [], np.zeros(0), [None],
                   "", "  ", np.full((3, 11), np.inf), np.zeros((6, 11, 1))]:
        assert not checker(answer).passed, answer
