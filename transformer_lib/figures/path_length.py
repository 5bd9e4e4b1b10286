"""Costs of a recurrent layer and a self-attention layer against the sentence length n, side by
side (the paper's Table 1): sequential steps, the longest path between two words, and the
operations per layer. The numbers are computed elsewhere and passed in."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

COLOURS = {"RNN": "#d95f02", "self-attention": "#1b9e77"}


def path_length_figure(lengths: Sequence[int], steps: Mapping[str, np.ndarray], path: Mapping[str, np.ndarray],
                       operations: Mapping[str, np.ndarray], d_model: int, chosen: int | None = None) -> Figure:
    """Three panels over the sentence length n (lengths (N,), log x axis), each with one curve
    per kind of layer ({"RNN": values (N,), "self-attention": values (N,)}), on log y axes:
    the sequential `steps`, the longest `path` between two words, and the `operations` of a
    layer of width `d_model`. If `chosen` is given, each curve's value at n = chosen is marked
    on the curve and given in the legend (which never covers the marks' labels, whatever n is)."""
    panels = [("sequential steps per layer", "steps (log scale)", steps),
              ("longest path between two words", "hops (log scale)", path),
              (f"operations per layer (d = {d_model})", "multiply-adds (log scale)", operations)]
    lengths = np.asarray(lengths)
    fig, axes = plt.subplots(1, len(panels), figsize=(3.3 * len(panels), 3.5), squeeze=False)
    for ax, (title, ylabel, curves) in zip(axes[0], panels, strict=True):
        for name, values in curves.items():
            values = np.asarray(values, dtype=np.float64)
            colour = COLOURS.get(name)
            label = name
            if chosen is not None:
                at = float(values[np.searchsorted(lengths, chosen)])
                ax.plot([chosen], [at], "o", color=colour, markersize=7)
                label = f"{name}: {at:,.0f}"
            ax.plot(lengths, values, color=colour, linewidth=2, label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        if chosen is not None:
            ax.axvline(chosen, color="#bbbbbb", linewidth=0.8, zorder=0)
        ax.set_xlabel("sentence length n (tokens)")
        ax.set_ylabel(ylabel)
        ax.set_title(title, fontsize=10)
        ax.legend(fontsize=8, loc="upper left", title=None if chosen is None else f"at n = {chosen:,}",
                  title_fontsize=8)
    fig.tight_layout()
    return fig
