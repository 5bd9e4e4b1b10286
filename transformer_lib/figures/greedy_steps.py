"""Greedy decoding step by step: one row per step, the prefix the decoder has read on the left,
the next-token probabilities of its last position across the vocabulary, and the token picked
(the most probable one) boxed."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS
from .plotting import heatmap, outline
from .token_labels import drawn_labels

PICKED_COLOR = LINE_COLOURS[3]  # vermillion


def greedy_steps_figure(probs, prefixes: Sequence[str], picked, token_labels: Sequence[str],
                        title: str | None = None) -> Figure:
    """probs (T, V): the next-token distribution at each of T steps; `prefixes` (T,) what the
    decoder read at each step; `picked` (T,) the ids chosen (boxed). One colour scale, 0 to 1;
    the running example's Korean words drawn in Hangul."""
    probs = np.asarray(probs, dtype=np.float64)
    steps, vocab = probs.shape
    fig, ax = plt.subplots(figsize=(min(0.62 * vocab + 2.8, 9.8), 0.5 * steps + 1.6))
    heatmap(ax, probs, row_labels=drawn_labels(prefixes), col_labels=drawn_labels(token_labels), decimals=2, cmap="Blues",
            vmin=0.0, vmax=1.0, show_shape=False, colorbar=False, annotate=True)
    for t, token in enumerate(np.asarray(picked)):
        outline(ax, row=t, column=int(token), color=PICKED_COLOR)
    ax.set_ylabel("decoder input so far", fontsize=9)
    ax.set_xlabel("next token", fontsize=9)
    ax.tick_params(labelsize=8)
    for label in ax.texts:
        label.set_fontsize(8)
    ax.set_title(title or "greedy decoding: P(next token) at each step, the pick boxed", fontsize=10)
    fig.tight_layout()
    return fig
