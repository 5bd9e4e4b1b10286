"""Why divide by sqrt(d_k): histograms of dot products of random vectors for several d_k, before
and after the division, and softmax rows of unscaled and scaled scores (numbers from
`transformer_lib.attention_scale`)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS


def dot_product_histograms_figure(samples: dict[int, np.ndarray]) -> Figure:
    """Left: histograms of q·k for each d_k in `samples` (d_k -> dot products); right: the same
    divided by sqrt(d_k). The legend gives each sample variance."""
    fig, (raw_ax, scaled_ax) = plt.subplots(1, 2, figsize=(9.8, 3.6))
    raw_ax.set_prop_cycle(color=LINE_COLOURS)
    scaled_ax.set_prop_cycle(color=LINE_COLOURS)
    for d_k, values in samples.items():
        scaled = values / np.sqrt(d_k)
        raw_ax.hist(values, bins=np.linspace(-80, 80, 161), histtype="step", linewidth=1.4,
                    label=f"d_k = {d_k}: var {values.var():.1f}")
        scaled_ax.hist(scaled, bins=np.linspace(-5, 5, 81), histtype="step", linewidth=1.4,
                       label=f"d_k = {d_k}: var {scaled.var():.2f}")
    raw_ax.set_title("q·k: the spread grows with d_k", fontsize=10)
    raw_ax.set_xlabel("q·k")
    scaled_ax.set_title("q·k / sqrt(d_k): the same spread for every d_k", fontsize=10)
    scaled_ax.set_xlabel("q·k / sqrt(d_k)")
    for ax in (raw_ax, scaled_ax):
        ax.set_ylabel("count")
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def softmax_rows_figure(rows: dict[str, np.ndarray]) -> Figure:
    """One bar chart per softmax row in `rows` (title -> probabilities (n,)), on a shared 0..1
    axis, in a grid of two columns."""
    n = len(rows)
    nrows = int(np.ceil(n / 2))
    fig, axes = plt.subplots(nrows, 2, figsize=(9.0, 2.4 * nrows), sharey=True, squeeze=False)
    for ax, (title, probs) in zip(axes.ravel(), rows.items(), strict=False):
        keys = np.arange(len(probs))
        ax.bar(keys, probs, color="#3b75af")
        for x, p in zip(keys, probs, strict=True):
            ax.text(x, p + 0.03, f"{p:.2f}", ha="center", fontsize=8)
        ax.set_xticks(keys, labels=[f"k{i}" for i in keys])
        ax.set_ylim(0, 1.15)
        ax.set_title(title, fontsize=10)
        ax.set_ylabel("weight")
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    fig.tight_layout()
    return fig
