"""Cross-entropy with padding (ignore_index) and label smoothing equals
torch.nn.functional.cross_entropy, value and gradient, and never takes log(0)."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import transformer_lib as tl


def torch_loss_and_grad(logits, targets, ignore_index, label_smoothing):
    t = torch.tensor(logits, requires_grad=True)
    vocab = logits.shape[-1]
    loss = F.cross_entropy(t.reshape(-1, vocab), torch.as_tensor(targets).reshape(-1),
                           ignore_index=-100 if ignore_index is None else ignore_index, label_smoothing=label_smoothing)
    loss.backward()
    return loss.item(), t.grad.numpy()


@pytest.mark.parametrize("ignore_index", [None, 1])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1, 0.5])
@pytest.mark.parametrize("scale", [1.0, 50.0])
def test_value_and_gradient_equal_torch(ignore_index, label_smoothing, scale):
    rng = np.random.default_rng(0)
    logits = scale * rng.standard_normal((3, 5, 7))
    targets = rng.integers(0, 7, (3, 5))
    targets[0, 3:] = 1
    targets[2, 1:] = 1
    loss = tl.CrossEntropyLoss(ignore_index=ignore_index, label_smoothing=label_smoothing)
    value = loss.forward(logits, targets)
    grad = loss.backward()
    expected_value, expected_grad = torch_loss_and_grad(logits, targets, ignore_index, label_smoothing)
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert tl.relative_error(grad, expected_grad) < 1e-12
    if ignore_index is not None:
        assert np.all(grad[targets == ignore_index] == 0.0)


def test_ignored_positions_do_not_count_in_the_mean():
    rng = np.random.default_rng(1)
    logits, targets = rng.standard_normal((1, 4, 5)), np.array([[3, 2, 1, 1]])
    padded = tl.CrossEntropyLoss(ignore_index=1).forward(logits, targets)
    unpadded = tl.CrossEntropyLoss().forward(logits[:, :2], targets[:, :2])
    assert padded == pytest.approx(unpadded, rel=1e-14)


def test_extreme_logits_give_finite_loss_and_gradient():
    """A probability that underflows to 0 would give log(0) = -inf if computed as log(softmax)."""
    logits = np.array([[[1000.0, -1000.0, 0.0], [-745.0, 745.0, 0.0]]])
    targets = np.array([[1, 0]])
    loss = tl.CrossEntropyLoss(label_smoothing=0.1)
    value = loss.forward(logits, targets)
    grad = loss.backward()
    expected_value, expected_grad = torch_loss_and_grad(logits, targets, None, 0.1)
    assert np.isfinite(value) and value == pytest.approx(expected_value, rel=1e-12)
    assert np.all(np.isfinite(grad)) and tl.relative_error(grad, expected_grad) < 1e-12


def test_every_position_ignored_gives_zero_not_nan():
    """torch returns NaN (0 / 0) here; the package defines the loss and its gradient as 0."""
    loss = tl.CrossEntropyLoss(ignore_index=1)
    assert loss.forward(np.zeros((2, 3, 4)), np.ones((2, 3), dtype=int)) == 0.0
    assert np.all(loss.backward() == 0.0)


def test_float32_logits_give_a_float32_gradient():
    logits = np.random.default_rng(2).standard_normal((2, 3, 5)).astype(np.float32)
    targets = np.array([[0, 1, 2], [3, 4, 0]])
    loss = tl.CrossEntropyLoss(label_smoothing=0.1)
    value = loss.forward(logits, targets)
    grad = loss.backward()
    assert grad.dtype == np.float32
    expected_value, expected_grad = torch_loss_and_grad(logits.astype(np.float64), targets, None, 0.1)
    assert value == pytest.approx(expected_value, rel=1e-6)
    assert tl.relative_error(grad, expected_grad) < 1e-6


def test_minus_infinity_is_a_class_with_probability_zero_as_in_torch():
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((2, 4, 6))
    targets = rng.integers(0, 5, (2, 4))
    logits[..., 5] = -np.inf  # never a target
    loss = tl.CrossEntropyLoss()
    value = loss.forward(logits, targets)
    want, want_grad = torch_loss_and_grad(logits, targets, None, 0.0)
    assert abs(value - want) < 1e-12
    np.testing.assert_allclose(loss.backward(), want_grad, atol=1e-14)


@pytest.mark.parametrize("bad, where", [(np.nan, (1, 2, 0)), (np.inf, (0, 0, 3)), (np.nan, (1, 3, 1))])
def test_nan_or_plus_infinity_anywhere_raises_and_names_it(bad, where):
    """Position (1, 3) is padding: a NaN there would still poison the gradient, so it raises too."""
    logits = np.random.default_rng(4).standard_normal((2, 4, 5))
    logits[where] = bad
    targets = np.ones((2, 4), dtype=int)
    targets[1, 3] = 0
    with pytest.raises(ValueError, match=re.escape(f"logits contains NaN or inf ({bad} at index {where})")):
        tl.CrossEntropyLoss(ignore_index=0).forward(logits, targets)


def test_a_row_of_only_minus_infinity_raises():
    logits = np.zeros((3, 4))
    logits[1] = -np.inf
    with pytest.raises(ValueError, match=r"logits contains NaN or inf \(-inf at index \(1, 0\)\)"):
        tl.CrossEntropyLoss().forward(logits, np.zeros(3, dtype=int))
