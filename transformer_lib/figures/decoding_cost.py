"""The cost of one decoding step as the prefix grows, with and without the KV cache: counted
multiply-adds on the left, measured milliseconds on the right."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS

CACHED_COLOR, UNCACHED_COLOR = LINE_COLOURS[0], LINE_COLOURS[3]  # blue, vermillion


def decoding_cost_figure(prefix_lengths, cached_counts, uncached_counts, timed_lengths=None, cached_ms=None,
                         uncached_ms=None) -> Figure:
    """Left: multiply-adds of the step at each prefix length (n,), both ways. Right (if times
    are given): the measured milliseconds per step at `timed_lengths`. Both on a log scale, so
    the cached step's small linear growth shows beside the quadratic one."""
    timed = timed_lengths is not None
    fig, axes = plt.subplots(1, 2 if timed else 1, figsize=(9.6 if timed else 5.0, 3.4), squeeze=False)
    ax = axes[0, 0]
    n = np.asarray(prefix_lengths)
    ax.plot(n, np.asarray(uncached_counts) / 1e6, color=UNCACHED_COLOR, label="re-run the decoder on the prefix")
    ax.plot(n, np.asarray(cached_counts) / 1e6, color=CACHED_COLOR, label="KV cache: the new position only")
    ax.set_xlabel("prefix length n (tokens read at this step)", fontsize=9)
    ax.set_yscale("log")
    ax.set_ylabel("million multiply-adds per step (log scale)", fontsize=9)
    ax.set_title("counted: quadratic in n without the cache, linear with it", fontsize=9)
    ax.legend(fontsize=8, frameon=False)
    if timed:
        ax = axes[0, 1]
        ax.plot(timed_lengths, uncached_ms, "o-", color=UNCACHED_COLOR, label="re-run the decoder on the prefix")
        ax.plot(timed_lengths, cached_ms, "o-", color=CACHED_COLOR, label="KV cache")
        ax.set_xlabel("prefix length n", fontsize=9)
        ax.set_yscale("log")
        ax.set_ylabel("milliseconds per step (log scale)", fontsize=9)
        ax.set_title("measured on this machine", fontsize=9)
        ax.legend(fontsize=8, frameon=False)
    for ax in axes[0]:
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
