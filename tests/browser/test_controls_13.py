"""The beam-tree control of notebook 13 in a real browser: JupyterLab in headless Chromium runs
the notebook, moves the beam width, alpha and step sliders, and checks that the tree and the
numbers under it follow. Every move waits until the page shows its effect (the printed setting),
never for a fixed time. Uses the JupyterLab server, browser and helpers of
``test_controls_in_jupyterlab``."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from test_controls_in_jupyterlab import (  # noqa: F401  (fixtures: lab_url, browser, page)
    NOTEBOOKS,
    browser,
    find_explorer,
    lab_url,
    page,
    run_notebook,
    screenshot,
    snapshot,
)

DECODING = "13_decoding.ipynb"
UPDATE_TIMEOUT_MS = 60_000  # an upper bound, reached only when the kernel stops answering


def press_until_shown(box, handle, key: str, presses: int, shows: str, before: tuple[str, str]) -> tuple[str, str]:
    """Press `key` on a slider handle `presses` times, wait until the printed numbers contain
    `shows`, and return the explorer's state, whose picture must differ from `before`'s (the
    control replaces the picture before the text, so the text marks the end of a redraw)."""
    handle.focus()
    for _ in range(presses):
        handle.press(key)
    expect(box.locator(".widget-html pre").last).to_contain_text(shows, timeout=UPDATE_TIMEOUT_MS)
    state = snapshot(box)
    assert state[0] != before[0], f"the picture did not change with the text ({shows!r})"
    return state


@pytest.mark.skipif(not (NOTEBOOKS / DECODING).exists(), reason=f"notebooks/{DECODING} is missing")
def test_beam_tree_explorer_follows_width_alpha_and_step(page, lab_url):  # noqa: F811
    """Notebook 13: widen the beam, raise alpha to 1 (the returned output becomes the full
    translation), then step back to step 2; the tree and the printed beam follow each move."""
    notebook = run_notebook(page, lab_url, DECODING)
    box = find_explorer(notebook, title="Beam search as a tree", controls=(".widget-slider .noUi-handle",))
    state = snapshot(box)
    assert state[1].startswith("beam width 2, alpha 0.00") and "returned: naneun <eos>" in state[1]
    screenshot(box, "13_beam_tree_0_default.png")

    width, alpha, step = box.locator(".widget-slider .noUi-handle").all()[:3]
    state = press_until_shown(box, width, "ArrowRight", 1, "beam width 3, alpha 0.00", state)
    screenshot(box, "13_beam_tree_1_width_3.png")

    state = press_until_shown(box, alpha, "ArrowRight", 10, "beam width 3, alpha 1.00", state)
    assert "returned: naneun goyangireul joahae <eos>" in state[1]
    screenshot(box, "13_beam_tree_2_alpha_1.png")

    state = press_until_shown(box, step, "ArrowLeft", 2, "step 2 of 4", state)
    assert "in the beam after step 2:" in state[1] and "  goyangireul joahae " in state[1]
    screenshot(box, "13_beam_tree_3_step_2.png")
