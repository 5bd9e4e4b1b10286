"""The embedding lookup (임베딩) drawn as a matrix product: one-hot rows (T, V) times the table
(V, d_model) equal the looked-up rows (T, d_model), with the chosen rows of the table outlined.
The same picture serves the backward pass: gradient rows (T, d_model) are added into the
outlined rows of the table's gradient (V, d_model)."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .plotting import heatmap, outline, symmetric_limit, update_heatmap
from .token_labels import widest_label

OUTLINE = "#1a1a1a"
CELL = 0.5  # inches per matrix cell


def outline_rows(ax, rows: Sequence[int], color: str = OUTLINE) -> None:
    """Draw a box around each of `rows` of a heatmap (a row looked up twice gets one box)."""
    for r in sorted(set(int(r) for r in rows)):
        outline(ax, row=r, color=color, linewidth=2.4)


def outline_cells(ax, cells: Sequence[tuple[int, int]], color: str = OUTLINE) -> None:
    """Draw a box around each (row, column) cell of a heatmap."""
    for r, c in cells:
        outline(ax, row=r, column=c, color=color, linewidth=2.0)


def embedding_lookup_figure(ids: Sequence[int], one_hot: np.ndarray, table: np.ndarray, vectors: np.ndarray,
                            vocab: Sequence[str], token_labels: Sequence[str], feature_labels: Sequence[str],
                            vectors_title: str = "looked-up rows", room_for: Sequence[str] | None = None) -> Figure:
    """Three panels: `one_hot` (T, V) with its ones outlined across the top, and below it `table`
    (V, d_model) with rows `ids` outlined beside `vectors` (T, d_model): one-hot, times the table,
    equals the vectors. Stacked so that the picture stays about 1000 pixels wide. With
    `room_for` (row labels), the figure is a frame for them: the rows of the one-hot matrix and
    of the vectors are labelled with the widest, and `update_embedding_lookup` shows any of them
    without laying the figure out again."""
    if room_for is not None:
        token_labels = [widest_label(room_for)] * len(token_labels)
    v, d = np.shape(table)
    t = np.shape(one_hot)[0]
    fig = plt.figure(figsize=(CELL * max(v, 2 * d) + 2.6, CELL * (t + v) + 2.6))
    grid = fig.add_gridspec(2, 2, height_ratios=[t + 2.5, v], width_ratios=[d, d])
    one_hot_ax = fig.add_subplot(grid[0, :])
    table_ax, vectors_ax = fig.add_subplot(grid[1, 0]), fig.add_subplot(grid[1, 1])
    axes = (one_hot_ax, table_ax, vectors_ax)
    for ax, panel in zip(axes, _lookup_panels(one_hot, table, vectors, vocab, token_labels, feature_labels,
                                              vectors_title), strict=True):
        heatmap(ax, **panel)
    for ax in fig.axes:
        ax.set_aspect("equal")
    vectors_ax.set_anchor("N")  # level with the top of the table
    fig.tight_layout()
    _outline_lookup(axes, ids)
    return fig


def update_embedding_lookup(fig: Figure, ids: Sequence[int], one_hot: np.ndarray, table: np.ndarray,
                            vectors: np.ndarray, vocab: Sequence[str], token_labels: Sequence[str],
                            feature_labels: Sequence[str], vectors_title: str = "looked-up rows") -> None:
    """Show other tokens (as many) in `fig`, drawn by `embedding_lookup_figure`, in place: the
    panels' numbers and labels, and the outlines moved to the new rows."""
    axes = fig.axes  # one-hot, table, vectors, in the order they were added
    for ax, panel in zip(axes, _lookup_panels(one_hot, table, vectors, vocab, token_labels, feature_labels,
                                              vectors_title), strict=True):
        update_heatmap(ax, **panel)
    for ax in axes:
        for box in list(ax.patches):
            box.remove()
    _outline_lookup(axes, ids)


def _lookup_panels(one_hot, table, vectors, vocab, token_labels, feature_labels, vectors_title) -> list[dict]:
    vocab_labels = [f"{i} {name}" for i, name in enumerate(vocab)]
    return [dict(matrix=one_hot, row_labels=token_labels, col_labels=vocab_labels, title="one-hot", decimals=0,
                 cmap="Greys", vmin=0, vmax=2.5),
            dict(matrix=table, row_labels=vocab_labels, col_labels=feature_labels, title="x embedding table"),
            dict(matrix=vectors, row_labels=token_labels, col_labels=feature_labels, title=f"= {vectors_title}")]


def _outline_lookup(axes, ids) -> None:
    one_hot_ax, table_ax, _ = axes
    outline_cells(one_hot_ax, [(row, int(i)) for row, i in enumerate(ids)])
    outline_rows(table_ax, ids)


def embedding_gradient_figure(ids: Sequence[int], dout: np.ndarray, grad: np.ndarray, vocab: Sequence[str],
                              token_labels: Sequence[str], feature_labels: Sequence[str]) -> Figure:
    """Two panels: the upstream gradient `dout` (T, d_model), one row per token read, and the
    table's gradient `grad` (V, d_model), with the rows of `ids` outlined (a row read twice
    holds the sum of both gradient rows)."""
    vocab_labels = [f"{i} {name}" for i, name in enumerate(vocab)]
    limit = symmetric_limit(dout, grad)
    v, d = np.shape(grad)
    fig, (dout_ax, grad_ax) = plt.subplots(1, 2, figsize=(2 * 0.55 * d + 3.6, 0.55 * v + 1.4))
    heatmap(dout_ax, dout, token_labels, feature_labels, "gradient at the output", vmin=-limit, vmax=limit, cmap="RdBu_r")
    heatmap(grad_ax, grad, vocab_labels, feature_labels, "gradient of the table", vmin=-limit, vmax=limit, cmap="RdBu_r")
    for ax in fig.axes:
        ax.set_aspect("equal")
    outline_rows(grad_ax, ids)
    fig.tight_layout()
    return fig
