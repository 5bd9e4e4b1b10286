"""The live controls in a real browser: JupyterLab in headless Chromium opens a notebook, runs
every cell, moves the control a reader would move, and checks that the picture and the numbers
printed under it follow.

Runs on a copy of notebooks/ in a temporary folder (nothing is written into the textbook) and
needs a chromium executable (see conftest.py; ``make browser`` installs Debian's when missing).
Every interaction waits until the page shows its effect (the printed setting and a new picture)
before the next one, however long the kernel takes to answer. Screenshots of each control before
and after are saved under test-artifacts/browser/."""

from __future__ import annotations

import re

import pytest
from in_browser import (
    NOTEBOOKS,
    find_explorer,
    report_paints,
    run_notebook,
    screenshot,
    snapshot,
    step_slider,
    time_paints,
    wait_for_state,
)


def test_masked_decoder_explorer_follows_its_controls(page, lab_url):
    """Notebook 08: change the token, then the position, then switch the causal mask off; each
    change redraws the picture and the printed numbers, and the text states the new setting."""
    notebook = run_notebook(page, lab_url, "08_masked_attention.ipynb")
    box = find_explorer(notebook, title="decoder input token",
                        controls=(".widget-checkbox", ".widget-dropdown select"))
    state = snapshot(box)
    assert "causal mask: on" in state[1]
    screenshot(box, "08_masked_decoder_0_default.png")
    time_paints(box)

    new_token = box.locator(".widget-dropdown", has_text="new token").locator("select")
    new_token.select_option(label="dogs")
    state = wait_for_state(box, state, "-> dogs)", "choosing the new token 'dogs'")
    screenshot(box, "08_masked_decoder_1_token.png")

    position = box.locator(".widget-dropdown", has_text="position to change").locator("select")
    position.select_option(index=1)
    state = wait_for_state(box, state, "(position 1:", "choosing position 1")
    screenshot(box, "08_masked_decoder_2_position.png")

    box.locator(".widget-checkbox input[type=checkbox]").click()
    state = wait_for_state(box, state, "causal mask: off", "switching the causal mask off")
    report_paints(box, "masked decoder explorer")
    screenshot(box, "08_masked_decoder_3_no_mask.png")


SELF_ATTENTION = "03_self_attention.ipynb"


@pytest.mark.skipif(not (NOTEBOOKS / SELF_ATTENTION).exists(), reason=f"notebooks/{SELF_ATTENTION} is not in the textbook yet")
def test_attention_explorer_follows_temperature_and_token(page, lab_url):
    """Notebook 03: move the temperature slider, then pick another first token; each change
    redraws the attention picture and the attention weights printed under it, and the text
    states the new temperature and tokens."""
    notebook = run_notebook(page, lab_url, SELF_ATTENTION)
    box = find_explorer(notebook, controls=(".widget-slider .noUi-handle", ".widget-dropdown select"))
    state = snapshot(box)
    start = _temperature(state[1])
    screenshot(box, "03_attention_0_default.png")
    time_paints(box)

    handle = box.locator(".widget-slider", has_text="temperature").locator(".noUi-handle")
    state = step_slider(box, handle, state, [f"temperature {start + 0.1 * k:.2f}" for k in (1, 2, 3)],
                        "moving the temperature slider right")
    assert _temperature(state[1]) == pytest.approx(start + 0.3), "the printed temperature is not three steps higher"
    screenshot(box, "03_attention_1_temperature.png")

    token = box.locator(".widget-dropdown", has_text="token 1").locator("select")
    labels = token.evaluate("select => Array.from(select.options, (option) => option.label)")
    current = token.evaluate("select => select.selectedIndex")
    assert len(labels) > 1, "the token menu offers a single token"
    other = labels[(current + 1) % len(labels)]
    token.select_option(label=other)
    state = wait_for_state(box, state, f"tokens: {other} ", f"picking the token {other!r}")
    assert state[1].splitlines()[0].split()[:2] == ["tokens:", other], "the printed tokens do not start with the new one"
    report_paints(box, "attention explorer")
    screenshot(box, "03_attention_2_token.png")


def _temperature(text: str) -> float:
    """The temperature the explorer's text states ("temperature 1.30")."""
    found = re.search(r"temperature (\d+\.\d+)", text)
    assert found, f"the explorer's text states no temperature:\n{text}"
    return float(found.group(1))
