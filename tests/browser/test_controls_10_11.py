"""The live controls of notebooks 10, 11 and 12 in a real browser: JupyterLab in headless
Chromium runs the notebook, moves the control, and checks that the picture and the numbers follow.
Uses the helpers of ``in_browser`` and the fixtures of conftest.py."""

from __future__ import annotations

import pytest
from in_browser import (
    NOTEBOOKS,
    find_explorer,
    run_notebook,
    screenshot,
    snapshot,
    step_slider,
    wait_for_state,
)

OUTPUT_AND_LOSS, BACKPROPAGATION = "10_output_and_loss.ipynb", "11_backpropagation.ipynb"
TRAINING = "12_training.ipynb"


@pytest.mark.skipif(not (NOTEBOOKS / OUTPUT_AND_LOSS).exists(), reason=f"notebooks/{OUTPUT_AND_LOSS} is missing")
def test_output_loss_explorer_follows_scale_and_smoothing(page, lab_url):
    """Notebook 10: move the logit-scale slider, then the smoothing slider; the bars and the
    printed loss follow, and the text states the new setting."""
    notebook = run_notebook(page, lab_url, OUTPUT_AND_LOSS)
    box = find_explorer(notebook, title="Output probabilities and cross-entropy", controls=(".widget-slider .noUi-handle",))
    state = snapshot(box)
    assert "logits x 1.0000, label smoothing 0.0000" in state[1]
    screenshot(box, "10_output_loss_0_default.png")

    scale, smoothing = box.locator(".widget-slider .noUi-handle").all()[:2]
    state = step_slider(box, scale, state, [f"logits x {10 ** (0.05 * k):.4f}" for k in (1, 2, 3, 4)],
                        "moving the logit scale right")
    assert "logits x 1.5849" in state[1]
    screenshot(box, "10_output_loss_1_scale.png")

    state = step_slider(box, smoothing, state, ["label smoothing 0.0500", "label smoothing 0.1000"],
                        "moving the smoothing right")
    screenshot(box, "10_output_loss_2_smoothing.png")


@pytest.mark.skipif(not (NOTEBOOKS / BACKPROPAGATION).exists(), reason=f"notebooks/{BACKPROPAGATION} is missing")
def test_backprop_explorer_follows_mistake_and_parameter(page, lab_url):
    """Notebook 11: choose the softmax shortcut (the check fails), then another parameter; each
    change redraws the gradients and the verdict printed under them."""
    notebook = run_notebook(page, lab_url, BACKPROPAGATION)
    box = find_explorer(notebook, title="Backpropagation against centred differences",
                        controls=(".widget-dropdown select",))
    state = snapshot(box)
    assert "agree" in state[1]
    screenshot(box, "11_backprop_0_default.png")

    backward = box.locator(".widget-dropdown", has_text="backward").locator("select")
    backward.select_option(index=2)                                   # softmax, diagonal only
    state = wait_for_state(box, state, "WRONG", "choosing the softmax shortcut")
    screenshot(box, "11_backprop_1_wrong_softmax.png")

    parameter = box.locator(".widget-dropdown", has_text="parameter").locator("select")
    parameter.select_option(label="decoder.layers.0.cross_attn.w_v.weight")
    state = wait_for_state(box, state, "cross_attn.w_v.weight", "choosing the cross-attention's W_v")
    assert "agree" in state[1]
    screenshot(box, "11_backprop_2_w_v.png")


@pytest.mark.skipif(not (NOTEBOOKS / TRAINING).exists(), reason=f"notebooks/{TRAINING} is missing")
def test_training_scrubber_follows_step_and_layer(page, lab_url):
    """Notebook 12 (trains the reversal model in the kernel): move the step slider one stop,
    then choose decoder layer 1; the attention maps and the printed step, loss and prediction
    follow."""
    notebook = run_notebook(page, lab_url, TRAINING)
    box = find_explorer(notebook, title="Training scrubber", controls=(".widget-slider .noUi-handle",))
    state = snapshot(box)
    assert state[1].startswith("step 0 of 800") and "layer 2, mean weight" in state[1]
    screenshot(box, "12_scrubber_0_default.png")

    state = step_slider(box, box.locator(".widget-slider .noUi-handle").first, state,
                        ["step 20 of 800 (snapshot 2 of 41)"], "moving the step slider right")
    assert state[1].startswith("step 20 of 800 (snapshot 2 of 41)")
    screenshot(box, "12_scrubber_1_step.png")

    box.locator(".widget-toggle-button", has_text="layer 1").click()
    state = wait_for_state(box, state, "layer 1, mean weight", "choosing decoder layer 1")
    assert state[1].startswith("step 20 of 800")
    screenshot(box, "12_scrubber_2_layer_1.png")
