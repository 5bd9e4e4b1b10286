"""Pictures of training: loss curves (and two implementations' curves on top of each other),
the learning-rate schedule, and attention maps per head, including snapshots taken while the
maps form. The numbers come from `transformer_lib.training` and `transformer_lib.snapshots`."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .plotting import MAX_FIGURE_INCHES, heatmap

CHARACTER_WIDTH = 0.075  # inches: about the width of one character of an 8-point tick label


def side_by_side_figure(numpy_losses: np.ndarray, torch_losses: np.ndarray) -> Figure:
    """Left: both loss curves per step (log scale), the NumPy one as a thick line and PyTorch's
    as dots on top of it. Right: |difference| per step (log scale; exact zeros drawn at the
    axis floor)."""
    steps = np.arange(1, len(numpy_losses) + 1)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.6, 3.4))
    ax.semilogy(steps, numpy_losses, lw=4, alpha=0.45, color="C0", label="NumPy (transformer_lib)")
    ax.semilogy(steps, torch_losses, ".", ms=4, color="C3", label="PyTorch (nn.Transformer layers)")
    ax.set(xlabel="step", ylabel="cross-entropy loss", title="training loss, both implementations")
    ax.legend(fontsize=8)
    difference = np.abs(np.asarray(numpy_losses) - np.asarray(torch_losses))
    floor = 1e-18
    bx.semilogy(steps, np.maximum(difference, floor), "-", lw=0.8, color="C2")
    nonzero = difference > 0
    bx.semilogy(steps[nonzero], difference[nonzero], ".", ms=4, color="C2", label="difference")
    bx.semilogy(steps[~nonzero], np.full((~nonzero).sum(), floor), "x", ms=5, color="k", label="exactly 0 (drawn at 1e-18)")
    bx.legend(fontsize=8, loc="upper left")
    bx.axhline(1e-9, color="grey", ls="--", lw=1)
    bx.text(steps[-1], 1e-9, "bound 1e-9", ha="right", va="bottom", fontsize=8, color="grey")
    bx.set_ylim(floor / 2, 1e-6)
    bx.set(xlabel="step", ylabel="|loss difference|", title="|NumPy loss - PyTorch loss| per step")
    for a in (ax, bx):
        a.grid(True, alpha=0.3)
        a.title.set_fontsize(10)
    fig.tight_layout()
    return fig


def training_curves_figure(losses: Sequence[float], learning_rates: Sequence[float], smooth: int = 25) -> Figure:
    """Left: the loss of every step (light) and its running mean over `smooth` steps, log scale.
    Right: the learning rate of every step (the warm-up schedule)."""
    losses = np.asarray(losses, dtype=np.float64)
    steps = np.arange(1, len(losses) + 1)
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.6, 3.3))
    ax.semilogy(steps, losses, color="C0", alpha=0.3, lw=0.8, label="per batch")
    if len(losses) >= smooth:
        mean = np.convolve(losses, np.ones(smooth) / smooth, mode="valid")
        ax.semilogy(steps[smooth - 1:], mean, color="C0", lw=1.8, label=f"mean of {smooth} steps")
    ax.set(xlabel="step", ylabel="cross-entropy loss", title="training loss")
    ax.legend(fontsize=8)
    bx.plot(steps, learning_rates, color="C1")
    bx.set(xlabel="step", ylabel="learning rate", title="warm-up schedule")
    bx.ticklabel_format(axis="y", style="sci", scilimits=(-2, 2))
    for a in (ax, bx):
        a.grid(True, alpha=0.3)
        a.title.set_fontsize(10)
    fig.tight_layout()
    return fig


def attention_heads_figure(weights: np.ndarray, row_labels: Sequence[str], col_labels: Sequence[str],
                           title: str | None = None, head_titles: Sequence[str] | None = None) -> Figure:
    """One panel per head of attention `weights` (h, Tq, Tk), all on the scale 0 to 1 with one
    colour bar; rows are queries (decoder input tokens), columns keys (source tokens)."""
    weights = np.asarray(weights)
    heads, tq, tk = weights.shape
    width = min(max(tk * 0.32, 2.2), 3.4, (MAX_FIGURE_INCHES - 1.2) / heads)  # inches per panel; all within the column
    room = 0.9 * width / tk  # inches of axis per column label
    fig, axes = plt.subplots(1, heads, figsize=(heads * width + 1.2, tq * width / tk + 1.3), squeeze=False,
                             layout="constrained")
    for h, ax in enumerate(axes[0]):
        heatmap(ax, weights[h], row_labels, col_labels, title=head_titles[h] if head_titles else f"head {h + 1}",
                vmin=0, vmax=1, cmap="Blues", annotate=False, colorbar=False, show_shape=False)
        ax.set_aspect("equal")
        ax.tick_params(labelsize=8)
        ax.set_xticks(range(tk), labels=col_labels, ha="center")
        for label in ax.get_xticklabels():  # upright where it fits beside its neighbours, else turned
            label.set_rotation(0 if len(label.get_text()) * CHARACTER_WIDTH <= room else 90)
        ax.set_xlabel("source (keys)", fontsize=8)
        if h:
            ax.set_yticklabels([])
        else:
            ax.set_ylabel("decoder input (queries)", fontsize=8)
    fig.colorbar(axes[0, 0].images[0], ax=list(axes[0]), fraction=0.02, pad=0.02, label="attention weight")
    if title:
        fig.suptitle(title, fontsize=11)
    return fig


def update_attention_heads(fig: Figure, weights: np.ndarray, title: str | None = None,
                           head_titles: Sequence[str] | None = None) -> None:
    """Show other attention `weights` (h, Tq, Tk), of the shape and with the queries and keys
    drawn before, in `fig`, drawn by `attention_heads_figure`, in place: the maps, the head
    titles and the title."""
    weights = np.asarray(weights)
    axes = [ax for ax in fig.axes if ax.images]  # the heads' panels (the colour bar draws no image)
    drawn = (len(axes), *axes[0].images[0].get_array().shape)
    if weights.shape != drawn:
        raise ValueError(f"weights must have the shape of the drawn heads {drawn}, got {weights.shape}")
    for h, ax in enumerate(axes):
        ax.images[0].set_data(weights[h])
        ax.title.set_text(head_titles[h] if head_titles else f"head {h + 1}")
    if title:
        fig.suptitle(title, fontsize=11)


def snapshots_figure(maps: np.ndarray, steps: Sequence[int], row_labels: Sequence[str], col_labels: Sequence[str],
                     title: str | None = None) -> Figure:
    """One head's attention map at a few training steps: `maps` (n, Tq, Tk), `steps` (n,)."""
    return attention_heads_figure(maps, row_labels, col_labels, title=title,
                                  head_titles=[f"after step {s}" if s else "before training" for s in steps])
