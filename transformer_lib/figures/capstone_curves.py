"""The capstone's picture: the loss curve of the model built from the reader's functions on top
of the package's, and how far apart they are at each step."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

FLOOR = 1e-18  # where an exact 0 difference is drawn on the log axis


def capstone_curves_figure(library_losses: np.ndarray, your_losses: np.ndarray, rtol: float) -> Figure:
    """Left: the package's loss per step (thick line) and the reader's (dots), which may stop
    early or be empty. Right: |your loss - the package's| per step on a log axis, with the
    checker's bound `rtol` x the package's loss as a dashed line; exact zeros are drawn at 1e-18."""
    library_losses, your_losses = np.asarray(library_losses, dtype=float), np.asarray(your_losses, dtype=float)
    steps = np.arange(len(library_losses))
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(9.6, 3.4))
    ax.plot(steps, library_losses, lw=4, alpha=0.45, color="C0", label="the package's layers")
    ax.plot(steps[: len(your_losses)], your_losses, ".", ms=5, color="C3", label="your functions")
    ax.set(xlabel="step", ylabel="cross-entropy loss", title="training loss, same weights, same batches")
    ax.legend(fontsize=9)
    bx.semilogy(steps, rtol * library_losses, "--", lw=1, color="grey", label=f"the checker's bound ({rtol:.0e} x loss)")
    if len(your_losses):
        difference = np.abs(your_losses - library_losses[: len(your_losses)])
        bx.semilogy(steps[: len(your_losses)], np.maximum(difference, FLOOR), ".-", lw=0.8, ms=5, color="C2",
                    label="|your loss - the package's| (0 drawn at 1e-18)")
    else:
        bx.text(0.5, 0.5, "no steps of yours yet", transform=bx.transAxes, ha="center", va="center", fontsize=10)
    bx.set_ylim(FLOOR / 2, 10.0)
    bx.set(xlabel="step", ylabel="|loss difference|", title="how far apart, per step")
    bx.legend(fontsize=9, loc="upper right")
    for a in (ax, bx):
        a.grid(True, alpha=0.3)
        a.title.set_fontsize(10)
    fig.tight_layout()
    return fig


__all__ = ["capstone_curves_figure"]
