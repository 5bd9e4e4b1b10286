"""Two kinds of attention drawn as lines between words: attention from an output sentence to an
input sentence (as in seq2seq models, and the Transformer's cross-attention), and self-attention
among the words of one sentence. Line width and darkness follow the attention weight."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .token_labels import drawn_label


def _links(ax, queries: Sequence[str], keys: Sequence[str], weights: np.ndarray, colour: str, title: str,
           query_caption: str, key_caption: str) -> None:
    """Queries on top, keys below, one line per (query, key) pair with width ~ weight."""
    w = np.asarray(weights)
    qx = np.linspace(0, 1, len(queries)) if len(queries) > 1 else np.array([0.5])
    kx = np.linspace(0, 1, len(keys)) if len(keys) > 1 else np.array([0.5])
    for i, j in np.ndindex(w.shape):
        ax.plot([qx[i], kx[j]], [1, 0], color=colour, linewidth=0.5 + 6 * w[i, j], alpha=0.25 + 0.75 * w[i, j],
                solid_capstyle="round")
    for x, word in zip(qx, queries, strict=True):
        ax.text(x, 1.08, drawn_label(word), ha="center", va="bottom", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.25", facecolor="white", edgecolor=colour))
    for x, word in zip(kx, keys, strict=True):
        ax.text(x, -0.08, drawn_label(word), ha="center", va="top", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.25", facecolor="white", edgecolor="#525252"))
    ax.text(-0.22, 1.1, query_caption, ha="right", va="bottom", fontsize=8.5, color="#525252")
    ax.text(-0.22, -0.1, key_caption, ha="right", va="top", fontsize=8.5, color="#525252")
    ax.set_xlim(-0.3, 1.2)
    ax.set_ylim(-0.35, 1.35)
    ax.axis("off")
    ax.set_title(title, fontsize=10)


def attention_kinds_figure(source: Sequence[str], target: Sequence[str], cross_weights: np.ndarray,
                           self_weights: np.ndarray) -> Figure:
    """Left: each `target` word attends to the `source` words (cross_weights (T_tgt, T_src)).
    Right: each `source` word attends to the words of its own sentence (self_weights
    (T_src, T_src)). Each row of weights sums to 1."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 3.3))
    _links(left, target, source, cross_weights, "#7570b3", "attention between two sentences (seq2seq)",
           "output\nsentence", "input\nsentence")
    _links(right, source, source, self_weights, "#d95f02", "self-attention: inside one sentence",
           "words as\nqueries", "the same words\nas keys")
    fig.tight_layout()
    return fig
