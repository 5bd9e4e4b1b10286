"""The beam-tree control of notebook 13 in a real browser: JupyterLab in headless Chromium runs
the notebook, moves the beam width, alpha and step sliders, and checks that the tree and the
numbers under it follow. Every move waits until the page shows its effect (the printed setting
and a new picture), never for a fixed time. Uses the helpers of ``in_browser``
and the fixtures of conftest.py."""

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

DECODING = "13_decoding.ipynb"


@pytest.mark.skipif(not (NOTEBOOKS / DECODING).exists(), reason=f"notebooks/{DECODING} is missing")
def test_beam_tree_explorer_follows_width_alpha_and_step(page, lab_url):
    """Notebook 13: widen the beam, raise alpha to 1 (the returned output becomes the full
    translation), then step back to step 2; the tree and the printed beam follow each move."""
    notebook = run_notebook(page, lab_url, DECODING)
    box = find_explorer(notebook, title="Beam search as a tree", controls=(".widget-slider .noUi-handle",))
    state = snapshot(box)
    assert state[1].startswith("beam width 2, alpha 0.00") and "returned: naneun <eos>" in state[1]
    screenshot(box, "13_beam_tree_0_default.png")

    width, alpha, step = box.locator(".widget-slider .noUi-handle").all()[:3]
    state = step_slider(box, width, state, ["beam width 3, alpha 0.00"], "widening the beam")
    screenshot(box, "13_beam_tree_1_width_3.png")

    state = step_slider(box, alpha, state, [f"beam width 3, alpha {a / 10:.2f}" for a in range(1, 11)],
                        "raising alpha")
    assert "returned: naneun goyangireul joahae <eos>" in state[1]
    screenshot(box, "13_beam_tree_2_alpha_1.png")

    step.focus()
    for shown in ("step 3 of 4", "step 2 of 4"):
        step.press("ArrowLeft")
        state = wait_for_state(box, state, shown, "moving the step slider one stop left")
    assert "in the beam after step 2:" in state[1] and "  goyangireul joahae " in state[1]
    screenshot(box, "13_beam_tree_3_step_2.png")
