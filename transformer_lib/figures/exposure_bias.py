"""Token accuracy at each output position, teacher-forced against generated."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS

FORCED_COLOR, GENERATED_COLOR = LINE_COLOURS[0], LINE_COLOURS[3]  # blue, vermillion


def forced_and_generated_figure(forced, generated, title: str | None = None) -> Figure:
    """forced and generated (T,): the share of right tokens at each output position."""
    positions = np.arange(len(forced))
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    ax.plot(positions, forced, "o-", color=FORCED_COLOR, label="teacher forcing: reads the right prefix")
    ax.plot(positions, generated, "s-", color=GENERATED_COLOR, label="generation: reads its own outputs")
    ax.set_ylim(max(0.0, min(np.min(forced), np.min(generated)) - 0.15), 1.02)
    ax.set_xticks(positions)
    ax.set_xlabel("output position", fontsize=9)
    ax.set_ylabel("share of right tokens", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, frameon=False, loc="lower left")
    if title:
        ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
