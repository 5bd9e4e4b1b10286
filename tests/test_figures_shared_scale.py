"""Figures whose panels are compared share one colour scale and one colour bar
(``matrix_figure(..., shared_scale=True, shared_colorbar=True)``), and the stored figures of chapters 06 to 09 stay
readable on a page: at most about 1000 px wide."""

import base64
import json
import struct
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from transformer_lib.figures.plotting import matrix_figure

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WIDEST = 1010  # pixels at the stored resolution: "about 1000"


def test_panels_without_limits_share_one_symmetric_scale_and_one_colour_bar():
    a, b = np.array([[1.0, -2.0]]), np.array([[0.5, 3.0]])
    fig = matrix_figure([dict(matrix=a), dict(matrix=b)], shared_scale=True, shared_colorbar=True)
    panels, bars = fig.axes[:2], fig.axes[2:]
    assert all(ax.images[0].get_clim() == (-3.0, 3.0) for ax in panels)
    assert len(bars) == 1 and bars[0].get_ylim() == (-3.0, 3.0)
    plt.close(fig)


def test_each_colour_scale_gets_its_own_colour_bar():
    weights = dict(matrix=np.eye(2), vmin=0, vmax=1, cmap="Blues")
    signed = dict(matrix=np.array([[1.0, -1.0]]))
    fig = matrix_figure([weights, dict(weights), signed], ncols=3, shared_colorbar=True)
    assert len(fig.axes) == 5  # three panels, a bar for the two weight maps, a bar for the signed panel
    plt.close(fig)


def test_without_shared_scale_the_figure_is_unchanged():
    fig = matrix_figure([dict(matrix=np.ones((2, 3))), dict(matrix=-np.ones((2, 3)))])
    assert len(fig.axes) == 2
    np.testing.assert_allclose(fig.get_size_inches(), (2 * 3 * 0.55 + 2 * 1.4, max(2 * 0.55 + 1.3, 2.0)))
    plt.close(fig)


def test_a_wrapped_figure_is_as_wide_as_its_widest_row():
    narrow, wide = dict(matrix=np.ones((3, 3))), dict(matrix=np.ones((3, 6)))
    fig = matrix_figure([narrow, narrow, wide, wide], ncols=2)
    assert fig.get_size_inches()[0] == pytest.approx(12 * 0.55 + 2 * 1.4)
    plt.close(fig)


@pytest.mark.parametrize("name", ["06_feed_forward", "07_encoder", "08_masked_attention", "09_cross_attention"])
def test_stored_figures_are_at_most_about_1000_px_wide(name):
    notebook = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    widths = []
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                widths.append(struct.unpack(">I", base64.b64decode(png)[16:20])[0])
    assert widths and max(widths) <= WIDEST, widths
