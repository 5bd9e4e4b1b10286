"""Multi-head attention (chapter 04) in one picture: on top every head's softmax weights, below
one head's Q, K, V and output and the concatenation of all heads' outputs, which that head's
output fills a slice of. The numbers come from the attention layer's trace and are passed in."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .plotting import heatmap, symmetric_limit


def multi_head_figure(weights: np.ndarray, q: np.ndarray, k: np.ndarray, v: np.ndarray, head_output: np.ndarray,
                      concat: np.ndarray, token_labels: Sequence[str], head: int, divisor: str,
                      weights_name: str | None = None) -> Figure:
    """Top: `weights` (h, T, T) of every head on the scale 0 to 1 (at least 4 slots, so the
    panels keep their size for any h). Bottom: head `head`'s `q`, `k`, `v` and `head_output`
    (T, d_k each), then `concat` (T, h d_k) when there is more than one head (with one head its
    output is the whole concatenation), on one colour scale centred on 0. `divisor` names what
    the scores were divided by, e.g. "sqrt(3)"; `weights_name` (e.g. "trained"), if given, heads
    the title."""
    num_heads = len(weights)
    d_k = np.shape(q)[-1]
    dims = [f"d{i}" for i in range(d_k)]
    features = [f"f{i}" for i in range(np.shape(concat)[-1])]
    chosen = f"head {head + 1}"

    fig = plt.figure(figsize=(9.8, 6.0), layout="constrained")
    top, bottom = fig.subfigures(2, 1)
    top.suptitle(f"{weights_name + ' weights, ' if weights_name else ''}"
                 f"{num_heads} head{'s' if num_heads > 1 else ''} of width d_k = {d_k}: softmax weights "
                 f"(scores / {divisor})", fontsize=11)
    top_axes = top.subplots(1, max(num_heads, 4), squeeze=False)[0]
    for h, ax in enumerate(top_axes):
        if h >= num_heads:
            ax.axis("off")
            continue
        heatmap(ax, weights[h], token_labels, token_labels, title=f"head {h + 1}{' (chosen)' if h == head else ''}",
                vmin=0, vmax=1, cmap="Blues", colorbar=h == num_heads - 1)
    span = f"column {head}" if d_k == 1 else f"columns {head * d_k} to {(head + 1) * d_k - 1}"
    panels = [(q, dims, "Q"), (k, dims, "K"), (v, dims, "V"), (head_output, dims, "output = weights V")]
    if num_heads > 1:
        bottom.suptitle(f"{chosen}: its Q, K, V and output, which fills {span} of the concatenation", fontsize=11)
        panels.append((concat, features, "concat (all heads)"))
    else:
        bottom.suptitle(f"{chosen}: its Q, K, V and output, which is the whole concatenation", fontsize=11)
    limit = symmetric_limit(*(m for m, _, _ in panels))
    axes = bottom.subplots(1, len(panels), width_ratios=[max(np.shape(m)[1], 2) for m, _, _ in panels])
    columns = sum(np.shape(m)[1] for m, _, _ in panels)
    decimals = 2 if columns <= 18 else 1  # narrower cells hold fewer digits
    for ax, (matrix, cols, title) in zip(axes, panels, strict=True):
        heatmap(ax, matrix, token_labels, cols, title=title, vmin=-limit, vmax=limit, cmap="RdBu_r", decimals=decimals)
    bottom.colorbar(axes[-1].images[0], ax=list(axes), fraction=0.02, pad=0.01)
    return fig
