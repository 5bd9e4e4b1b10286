"""The gradient at the input of deeper and deeper encoder stacks, with and without residual
connections, as a line plot (numbers from `transformer_lib.deep_stack`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS


def residual_gradients_figure(curves: dict[str, np.ndarray]) -> Figure:
    """One line per entry of `curves` (label -> gradient norms for L = 1, 2, ...), on a
    logarithmic axis so that a steady shrinking per layer is a straight line."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    ax.set_prop_cycle(color=LINE_COLOURS)
    markers = "osd^v"
    for (label, norms), marker in zip(curves.items(), markers, strict=False):
        depths = np.arange(1, len(norms) + 1)
        ax.semilogy(depths, norms, marker=marker, markersize=4, label=label)
    ax.set_xlabel("number of encoder layers L")
    ax.set_ylabel("gradient size at the input")
    ax.set_title("||dLoss/dx|| for a unit gradient at the output", fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
