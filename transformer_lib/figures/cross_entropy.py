"""The cross-entropy of one token, -log p, as a curve over the probability p the model gives
the correct token, with given points marked on it and the uniform guess 1 / V as a reference."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def neg_log_figure(points: dict[str, float], vocab_size: int) -> Figure:
    """The curve -ln p for p in (0, 1], each entry of `points` (label -> p) marked and labelled
    with its -ln p, and dashed lines at p = 1 / `vocab_size` and -ln p = ln `vocab_size`."""
    fig, ax = plt.subplots(figsize=(6.4, 3.6))
    p = np.linspace(0.004, 1.0, 400)
    ax.plot(p, -np.log(p), color="#3182bd", linewidth=1.8, label="-ln p")
    uniform = 1.0 / vocab_size
    ax.axvline(uniform, color="grey", linestyle="--", linewidth=1)
    ax.axhline(np.log(vocab_size), color="grey", linestyle="--", linewidth=1)
    ax.annotate(f"uniform guess: p = 1/{vocab_size}, -ln p = ln {vocab_size} = {np.log(vocab_size):.4f}",
                (uniform, np.log(vocab_size)), xytext=(12, 10), textcoords="offset points", fontsize=8, color="dimgrey")
    for label, value in points.items():
        loss = -np.log(value)
        ax.plot([value], [loss], "o", color="#e6550d", markersize=6, zorder=3)
        ax.annotate(f"{label}: p = {value:.4f}, -ln p = {loss:.4f}", (value, loss), xytext=(10, 2),
                    textcoords="offset points", fontsize=8, color="#a63603")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(0.0, 5.6)
    ax.set_xlabel("p = probability the model gives the correct token")
    ax.set_ylabel("loss of this token, -ln p")
    ax.set_title("cross-entropy of one token: 0 when p = 1, growing without bound as p -> 0", fontsize=10)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig
