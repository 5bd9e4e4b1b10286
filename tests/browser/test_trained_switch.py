"""The weights switch in a real browser: JupyterLab in headless Chromium runs notebook 09, and
the cross-attention explorer is switched to the trained model; then the object and the verb of
the source are changed, and the word the model writes and the row of the map that reads it
follow. Uses the helpers of ``in_browser`` and the fixtures of conftest.py."""

from __future__ import annotations

import re

import pytest
from in_browser import (
    NOTEBOOKS,
    find_explorer,
    run_notebook,
    screenshot,
    snapshot,
    wait_for_state,
)

CROSS_ATTENTION = "09_cross_attention.ipynb"


def row_weights(text: str, row: str) -> list[float]:
    """The weights the explorer prints for the row labelled `row` ("naneun -> gaereul")."""
    found = re.search(rf"^\s*{re.escape(row)}: ([\d. ]+)$", text, flags=re.MULTILINE)
    assert found, f"the explorer prints no row {row!r}:\n{text}"
    return [float(v) for v in found.group(1).split()]


@pytest.mark.skipif(not (NOTEBOOKS / CROSS_ATTENTION).exists(), reason=f"notebooks/{CROSS_ATTENTION} is missing")
def test_trained_weights_follow_the_object_and_the_verb(page, lab_url):
    """Notebook 09: switch to the trained weights (the model writes naneun goyangireul joahae), change
    cats to dogs (it writes gaereul, and the row that writes it reads dogs), then love to see (the last
    word becomes bwa, read from see); switching back to the untrained model puts back the lecture's
    verb, a word that model knows."""
    notebook = run_notebook(page, lab_url, CROSS_ATTENTION)
    box = find_explorer(notebook, title="Cross-attention: decoder queries over the source",
                        controls=(".widget-toggle-buttons", ".widget-dropdown select"))
    state = snapshot(box)
    assert "weights: untrained" in state[1]
    screenshot(box, "09_trained_switch_0_untrained.png")

    box.locator(".widget-toggle-buttons", has_text="untrained").get_by_role("button", name="trained", exact=True).click()
    state = wait_for_state(box, state, "weights: trained", "switching the weights to trained")
    assert "weights: trained" in state[1] and "predicted: naneun goyangireul joahae" in state[1]
    assert max(row_weights(state[1], "naneun -> goyangireul")) == row_weights(state[1], "naneun -> goyangireul")[2]
    screenshot(box, "09_trained_switch_1_trained.png")

    box.locator(".widget-dropdown", has_text="word 3").locator("select").select_option(label="dogs")
    state = wait_for_state(box, state, "source: I love dogs", "changing the object cats to dogs")
    assert "source: I love dogs" in state[1] and "predicted: naneun gaereul joahae" in state[1]
    assert row_weights(state[1], "naneun -> gaereul")[2] > 0.5  # the row that writes gaereul reads dogs
    screenshot(box, "09_trained_switch_2_dogs.png")

    box.locator(".widget-dropdown", has_text="word 2").locator("select").select_option(label="see")
    state = wait_for_state(box, state, "source: I see dogs", "changing the verb love to see")
    assert "source: I see dogs" in state[1] and "predicted: naneun gaereul bwa" in state[1]
    assert row_weights(state[1], "gaereul -> bwa")[1] > 0.5  # the row that writes bwa reads see
    screenshot(box, "09_trained_switch_3_see.png")

    box.locator(".widget-toggle-buttons", has_text="untrained").get_by_role("button", name="untrained", exact=True).click()
    state = wait_for_state(box, state, "weights: untrained", "switching back to the untrained weights")
    assert "weights: untrained" in state[1] and "source: I love dogs" in state[1]
    screenshot(box, "09_trained_switch_4_untrained_again.png")
