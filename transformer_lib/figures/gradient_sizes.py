"""The size of the gradient in each block of a model, as horizontal bars from the output (top)
down to the input: where the loss pulls hardest on the weights, and a second set of sizes
(e.g. PyTorch autograd's) marked on the same bars for comparison."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def block_gradient_norms(gradients: dict[str, np.ndarray]) -> dict[str, float]:
    """The Euclidean norm of all gradients of each block, (name -> float), a block being a
    parameter's dotted name without its last part (``decoder.layers.0.norm3.gamma`` ->
    ``decoder.layers.0.norm3``) and, inside attention, without the projection
    (``...cross_attn.w_q.weight`` -> ``...cross_attn``). Blocks keep the order of `gradients`."""
    squares: dict[str, float] = {}
    for name, grad in gradients.items():
        parts = name.split(".")[:-1]
        if parts and parts[-1] in ("w_q", "w_k", "w_v", "w_o"):
            parts = parts[:-1]
        block = ".".join(parts)
        squares[block] = squares.get(block, 0.0) + float(np.sum(np.square(grad)))
    return {block: float(np.sqrt(total)) for block, total in squares.items()}


def gradient_sizes_figure(norms: dict[str, float], reference: dict[str, float] | None = None,
                          reference_label: str = "reference", order: Sequence[str] | None = None) -> Figure:
    """One horizontal bar per block of `norms` (block -> gradient norm), in `order` (default:
    reversed, so the output layer is on top); `reference` sizes, if given, as black ticks."""
    names = list(order) if order is not None else list(norms)[::-1]
    fig, ax = plt.subplots(figsize=(7.2, 0.32 * len(names) + 1.2))
    positions = np.arange(len(names))[::-1]
    ax.barh(positions, [norms[n] for n in names], color="#6baed6", height=0.7, label="backpropagation (NumPy)")
    if reference is not None:
        ax.plot([reference[n] for n in names], positions, "|", color="black", markersize=12, markeredgewidth=2,
                label=reference_label)
    for y, n in zip(positions, names, strict=True):
        ax.text(norms[n], y, f" {norms[n]:.3f}", va="center", fontsize=8)
    ax.set_yticks(positions, labels=names, fontsize=8)
    ax.set_xlim(0, max(norms.values()) * 1.18)
    ax.set_xlabel("gradient norm of the block, ||dLoss / d weights||", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig
