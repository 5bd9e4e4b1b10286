"""The feed-forward network's hidden units before and after ReLU, with the units ReLU
switches off (set to 0) greyed and hatched."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .plotting import MASKED_COLOR, heatmap, symmetric_limit, update_heatmap

OFF_COLOR = MASKED_COLOR  # switched-off units look like masked cells
CELL_WIDTH = 0.34  # inches per hidden unit: 24 units (the toy's d_ff) stay under 10 inches, 1000 px


def mark_off_units(ax, activated: np.ndarray) -> None:
    """Grey, hatched cells where `activated` (R, C) is exactly 0 (the unit is off)."""
    for r, c in zip(*np.nonzero(np.asarray(activated) == 0), strict=True):
        ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, facecolor=OFF_COLOR, edgecolor="#969696",
                               hatch="///", linewidth=0.0, zorder=2))


def relu_units_figure(hidden: np.ndarray, activated: np.ndarray, row_labels: Sequence[str],
                      title: str | None = None) -> Figure:
    """hidden (T, d_ff) before ReLU above activated (T, d_ff) after it, on one colour scale;
    columns are the hidden units 0 .. d_ff - 1, rows the tokens."""
    hidden, activated = np.atleast_2d(hidden), np.atleast_2d(activated)
    rows, cols = hidden.shape
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(CELL_WIDTH * cols + 1.2, 2 * (0.5 * rows + 1.0)))
    for ax, panel in zip((top, bottom), _panels(hidden, activated, row_labels), strict=True):
        heatmap(ax, **panel, annotate=True)
    mark_off_units(bottom, activated)
    for ax in (top, bottom):
        ax.set_xlabel("hidden unit", fontsize=9)
    if title:
        fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


def update_relu_units(fig: Figure, hidden: np.ndarray, activated: np.ndarray, row_labels: Sequence[str],
                      title: str | None = None) -> None:
    """Show other units of the same shape in `fig`, drawn by `relu_units_figure`, in place."""
    hidden, activated = np.atleast_2d(hidden), np.atleast_2d(activated)
    top, bottom = fig.axes
    for ax, panel in zip((top, bottom), _panels(hidden, activated, row_labels), strict=True):
        update_heatmap(ax, **panel)
    for box in list(bottom.patches):
        box.remove()
    mark_off_units(bottom, activated)
    if title:
        fig.suptitle(title, fontsize=11)


def _panels(hidden: np.ndarray, activated: np.ndarray, row_labels) -> list[dict]:
    limit = symmetric_limit(hidden)
    units = [str(i) for i in range(hidden.shape[1])]
    off = int((activated == 0).sum())
    common = dict(row_labels=row_labels, col_labels=units, decimals=1, vmin=-limit, vmax=limit, cmap="RdBu_r")
    return [dict(matrix=hidden, title="hidden = x W1 + b1 (before ReLU)", **common),
            dict(matrix=activated, title=f"ReLU(hidden): {off} of {activated.size} values switched off (hatched)",
                 **common)]
