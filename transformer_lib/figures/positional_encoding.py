"""Pictures of the sinusoidal positional encoding (위치 인코딩): one curve per embedding
dimension, the whole (positions, d_model) table, and how similar two positions' codes are as
their distance grows. The table is computed by `sinusoidal_positional_encoding` and passed in."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS


def dimension_label(dimension: int, d_model: int) -> str:
    """'dim 2 (sin, i=1)': the dimension, its function and its pair index i (dimension = 2i or 2i+1)."""
    kind = "sin" if dimension % 2 == 0 else "cos"
    return f"dim {dimension} ({kind}, i={dimension // 2})"


def pe_curves_figure(pe: np.ndarray, dimensions: Sequence[int], ax=None) -> Figure:
    """PE[:, d] against the position for every d in `dimensions` (pe: (positions, d_model)).

    Each pair of dimensions 2i, 2i+1 shares a wavelength; higher pairs change more slowly."""
    pe = np.asarray(pe)
    positions, d_model = pe.shape
    if ax is None:
        fig, ax = plt.subplots(figsize=(8.0, 3.4))
    else:
        fig = ax.figure
    for n, d in enumerate(dimensions):
        style = "-" if d % 2 == 0 else "--"
        ax.plot(range(positions), pe[:, d], style, marker="o", markersize=3, color=LINE_COLOURS[n % len(LINE_COLOURS)],
                label=dimension_label(d, d_model))
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.set_xlabel("position (pos)")
    ax.set_ylabel("PE[pos, dim]")
    ax.set_ylim(-1.15, 1.15)
    ax.set_title(f"positional encoding per dimension (d_model = {d_model})", fontsize=10)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
    fig.tight_layout()
    return fig


def pe_table_figure(pe: np.ndarray, title: str | None = None) -> Figure:
    """The table PE (positions, d_model) as an image: positions down, dimensions across, a colour
    bar from -1 to 1. Too large to annotate; the shape is in the title."""
    pe = np.asarray(pe)
    positions, d_model = pe.shape
    fig, ax = plt.subplots(figsize=(8.0, 4.4))
    image = ax.imshow(pe, cmap="RdBu_r", vmin=-1, vmax=1, aspect="auto", interpolation="nearest")
    ax.set_xlabel("embedding dimension (even: sin, odd: cos)")
    ax.set_ylabel("position (pos)")
    ax.set_title(f"{title or 'positional encoding'}  {positions} x {d_model}", fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02, label="PE value")
    fig.tight_layout()
    return fig


def position_similarity_figure(similarity: np.ndarray, references: Sequence[int]) -> Figure:
    """Left: the dot products PE[p] · PE[q] (positions, positions) as an image. Right: the rows
    of the `references` positions p against q, so the fall with distance |p - q| is visible."""
    s = np.asarray(similarity)
    n = s.shape[0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10.0, 3.8), gridspec_kw={"width_ratios": [1, 1.5]})
    image = left.imshow(s, cmap="viridis", aspect="equal", interpolation="nearest")
    left.set_xlabel("position q")
    left.set_ylabel("position p")
    left.set_title(f"PE[p] · PE[q]  {n} x {n}", fontsize=10)
    fig.colorbar(image, ax=left, fraction=0.046, pad=0.04)
    for p in references:
        right.plot(range(n), s[p], marker="o", markersize=2.5, label=f"p = {p}")
        right.axvline(p, color="#bbbbbb", linewidth=0.6)
    right.set_xlabel("position q")
    right.set_ylabel("PE[p] · PE[q]")
    right.set_title("each position is most similar to itself and its neighbours", fontsize=10)
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig
