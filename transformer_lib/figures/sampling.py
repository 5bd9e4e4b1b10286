"""The next-token distribution before and after sampling's reshaping (temperature, top-k,
top-p), as paired bars on one probability axis, with the share of each token in a seeded sample."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS
from .token_labels import drawn_labels

ORIGINAL_COLOR = "#bdbdbd"
RESHAPED_COLOR = LINE_COLOURS[0]  # blue
SAMPLE_COLOR = "black"


def sampling_figure(original, reshaped, token_labels: Sequence[str], sample_share=None,
                    title: str | None = None) -> Figure:
    """original and reshaped (V,) probabilities side by side per token (one y axis, 0 to 1);
    tokens the reshaping removed have their label greyed (Korean words drawn in Hangul); `sample_share` (V,), if given, marks
    the fraction of a sample's draws that picked each token."""
    original, reshaped = np.asarray(original, dtype=np.float64), np.asarray(reshaped, dtype=np.float64)
    positions = np.arange(len(original))
    fig, ax = plt.subplots(figsize=(7.8, 3.3))
    ax.bar(positions - 0.2, original, width=0.4, color=ORIGINAL_COLOR, label="softmax(logits)", zorder=2)
    ax.bar(positions + 0.2, reshaped, width=0.4, color=RESHAPED_COLOR, label="distribution sampled from", zorder=2)
    if sample_share is not None:
        share = np.asarray(sample_share, dtype=np.float64)
        drawn = share > 0
        ax.plot(positions[drawn] + 0.2, share[drawn], "D", color=SAMPLE_COLOR, markersize=5, zorder=3,
                label="share of the sample's draws")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel("probability", fontsize=9)
    ax.set_xticks(positions, labels=drawn_labels(token_labels), rotation=45, ha="right", fontsize=8)
    for label, p in zip(ax.get_xticklabels(), reshaped, strict=True):
        if p == 0:
            label.set_color("#a0a0a0")
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    ax.legend(fontsize=8, loc="upper right", frameon=False)
    if title:
        ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.99, bottom=0.27, top=0.9)
    return fig


def update_sampling(fig: Figure, original, reshaped, sample_share, title: str | None = None) -> None:
    """Show another reshaping and sample of the same tokens in `fig`, drawn by `sampling_figure`
    with a sample, in place: bar heights, the sample's marks, greyed labels and the title."""
    ax = fig.axes[0]
    reshaped = np.asarray(reshaped, dtype=np.float64)
    for bars, values in zip(ax.containers, (original, reshaped), strict=True):
        for bar, height in zip(bars, np.asarray(values, dtype=np.float64), strict=True):
            bar.set_height(height)
    share = np.asarray(sample_share, dtype=np.float64)
    drawn = share > 0
    ax.lines[0].set_data(np.arange(len(share))[drawn] + 0.2, share[drawn])
    plain = plt.rcParams["xtick.labelcolor"]
    plain = plt.rcParams["xtick.color"] if plain == "inherit" else plain  # a tick label's own colour
    for label, p in zip(ax.get_xticklabels(), reshaped, strict=True):
        label.set_color("#a0a0a0" if p == 0 else plain)
    if title:
        ax.set_title(title, fontsize=10)
