"""The output-and-loss explorer: scaling the logits moves the probabilities and the loss the
way the softmax and cross-entropy say, and label smoothing changes the target and the loss."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from transformer_lib import toy
from transformer_lib.widgets.output_loss import (
    output_loss_data,
    output_loss_explorer,
    output_loss_view,
    target_distribution,
)

LN_11 = math.log(11)



def bar_heights(view):
    """The probability bars of each of the view's panels, (3, 11): the first 11 bars per axes."""
    return np.array([[bar.get_height() for bar in ax.patches[:11]] for ax in view.figure.axes])


@pytest.mark.parametrize("smoothing", [0.0, 0.1, 0.3])
@pytest.mark.parametrize("scale", [0.1, 1.0, 4.0])
def test_loss_agrees_with_torch(scale, smoothing):
    d = output_loss_data(scale, smoothing)
    theirs = F.cross_entropy(torch.as_tensor(d["logits"]), torch.as_tensor(toy.TARGET_IDS),
                             label_smoothing=smoothing).item()
    assert math.isclose(d["loss"], theirs, abs_tol=1e-12)
    assert math.isclose(d["loss"], d["per_token"].mean(), abs_tol=1e-12)


def test_scale_zero_gives_the_uniform_guess_and_scaling_sharpens():
    flat = output_loss_data(scale=0.0)
    np.testing.assert_allclose(flat["probs"], 1 / 11, atol=1e-15)
    assert math.isclose(flat["loss"], LN_11, abs_tol=1e-12)
    base, sharp = output_loss_data(1.0), output_loss_data(3.0)
    # A larger scale puts more mass on each row's largest logit ...
    assert np.all(sharp["probs"].max(axis=1) > base["probs"].max(axis=1))
    # ... and the untrained model's favourite is wrong at position 0, so its loss there grows.
    assert np.argmax(base["probs"][0]) != toy.TARGET_IDS[0]
    assert sharp["per_token"][0] > base["per_token"][0]


def test_smoothing_changes_the_target_and_the_floor():
    plain, smooth = output_loss_data(smoothing=0.0), output_loss_data(smoothing=0.2)
    np.testing.assert_array_equal(plain["target"], np.eye(11)[toy.TARGET_IDS])
    np.testing.assert_allclose(smooth["target"].sum(axis=1), 1.0, atol=1e-15)
    np.testing.assert_allclose(smooth["target"][np.arange(3), toy.TARGET_IDS], 0.8 + 0.2 / 11, atol=1e-15)
    assert plain["floor"] == 0.0 and smooth["floor"] > 0.5
    # The floor is reached by logits equal to log(target): the loss there is the target's entropy.
    reached = -(smooth["target"] * np.log(smooth["target"])).sum(axis=1)
    np.testing.assert_allclose(reached, smooth["floor"], atol=1e-12)
    np.testing.assert_array_equal(plain["probs"], smooth["probs"])   # smoothing changes the target, not p
    assert smooth["loss"] != plain["loss"]


def test_target_distribution_convention():
    dist = target_distribution([0, 2], 4, 0.4)
    np.testing.assert_allclose(dist, [[0.7, 0.1, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]], atol=1e-15)


def test_view_draws_the_probabilities_and_reports_the_loss():
    view = output_loss_view(2.0, 0.1)
    d = output_loss_data(2.0, 0.1)
    assert len(view.figure.axes) == 3
    np.testing.assert_allclose(bar_heights(view), d["probs"], atol=1e-15)
    for ax, answer in zip(view.figure.axes, toy.TARGET_IDS, strict=True):
        colours = [bar.get_facecolor() for bar in ax.patches[:11]]
        odd = [i for i, c in enumerate(colours) if c != colours[(answer + 1) % 11]]
        assert odd == [answer]                                        # only the answer's bar is highlighted
    assert f"cross-entropy (mean of the three): {d['loss']:.4f}" in view.text
    assert "uniform guess ln 11: 2.3979" in view.text
    assert output_loss_view(1.0, 0.0).text != view.text
    view.png()


def test_explorer_redraws_when_a_control_moves():
    box = output_loss_explorer()
    before = box.numbers.value
    box.children[1].children[1].value = 0.25     # the smoothing slider
    assert box.numbers.value != before and "label smoothing 0.2500" in box.numbers.value
    assert box.image.value[:4] == b"\x89PNG"
