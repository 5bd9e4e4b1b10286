"""Pictures of the sinusoidal positional encoding (위치 인코딩): one curve per embedding
dimension, the whole (positions, d_model) table, how similar two positions' codes are as
their distance grows, and the explorer's picture of one chosen cell. This module only draws:
`model.positional_encoding` computes the encoding, and `widgets.positional_encoding` is the
control that chooses the cell."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .palette import LINE_COLOURS
from .plotting import MOST_ANNOTATED_COLUMNS, heatmap, outline, update_heatmap, writes_numbers

WAVE_COLOR = "#1b9e77"


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


def pe_cell_figure(table: np.ndarray, position: int, dimension: int, wave_positions: np.ndarray,
                   wave: np.ndarray, samples: np.ndarray, formula: str) -> Figure:
    """Left: the `table` (max_len, d_model), annotated while small enough, with row `position`
    and column `dimension` outlined. Right: that dimension as a smooth `wave` over
    `wave_positions` (n,), its values at the integer positions 0, 1, ... (`samples`), the rows
    in the table shaded, and the chosen cell marked; `formula` (e.g. "sin(pos / 21.54)") titles it."""
    max_len, d_model = np.shape(table)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9.8, 4.0), gridspec_kw={"width_ratios": [1.25, 1]})
    heatmap(left, table, _position_names(max_len), None, _table_title(d_model), vmin=-1, vmax=1, cmap="RdBu_r")
    _dimension_ticks(left, d_model)
    left.set_xlabel("dimension")
    _outline_cell(left, position, dimension)
    right.plot(wave_positions, wave, color=WAVE_COLOR, linewidth=1.5, gid="wave")
    right.axvspan(-0.5, max_len - 0.5, color="#eeeeee", label="positions in the table")
    right.plot(range(len(samples)), samples, "o", color=WAVE_COLOR, markersize=3, label="integer positions",
               gid="samples")
    right.plot([position], [table[position, dimension]], "o", color="black", markersize=9, label=f"pos {position}",
               gid="chosen")
    right.axhline(0, color="#999999", linewidth=0.6)
    right.set_ylim(-1.15, 1.15)
    right.set_xlabel("position (pos)")
    right.set_ylabel("PE value")
    right.set_title(f"{dimension_label(dimension, d_model)}: {formula}", fontsize=10)
    right.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
    fig.tight_layout()
    return fig


def update_pe_cell(figure: Figure, table: np.ndarray, position: int, dimension: int, wave_positions: np.ndarray,
                   wave: np.ndarray, samples: np.ndarray, formula: str) -> None:
    """Show another chosen cell in `figure`, drawn by `pe_cell_figure`, in place: the table (of
    any width drawn the same way, its numbers written in the cells or not:
    `plotting.writes_numbers`), the outlines, the wave, its samples, the marked cell, the titles
    and the legend change; the layout stays. The arguments are those of `pe_cell_figure`."""
    left, right = figure.axes[:2]
    drawn = left.images[0].get_array()
    max_len, d_model = np.shape(table)
    if drawn.shape[0] != max_len or bool(left.texts) != writes_numbers(np.shape(table)):
        raise ValueError(f"table has shape {np.shape(table)}, but the figure is laid out for a table of shape "
                         f"{drawn.shape}: it takes tables of {drawn.shape[0]} positions with their numbers "
                         f"{'written in the cells' if left.texts else 'shown by a colour bar'}")
    if drawn.shape != np.shape(table):
        update_heatmap(left, table, _position_names(max_len), None, _table_title(d_model), vmin=-1, vmax=1,
                       cmap="RdBu_r")
        _dimension_ticks(left, d_model)
    for patch in list(left.patches):
        patch.remove()
    _outline_cell(left, position, dimension)
    lines = {line.get_gid(): line for line in right.lines}
    lines["wave"].set_data(wave_positions, wave)
    lines["samples"].set_data(range(len(samples)), samples)
    value = table[position, dimension]
    lines["chosen"].set_data([position], [value])
    lines["chosen"].set_label(f"pos {position}")
    legend_texts = right.get_legend().get_texts()
    legend_texts[-1].set_text(f"pos {position}")  # the chosen cell's entry is the last
    right.set_title(f"{dimension_label(dimension, d_model)}: {formula}", fontsize=10)


LAYOUT_WIDTHS = {True: 16, False: 64}  # the widest table of each kind the explorer offers


def pe_cell_layout(max_len: int, d_model: int) -> int:
    """The d_model of the table whose picture (`pe_cell_figure`) lays out the table (max_len,
    d_model): the widest the explorer offers of its kind (numbers written in the cells or not:
    `plotting.writes_numbers`), whose labels reach furthest. The table's width moves nothing else
    (its cells stretch), so `update_pe_cell` shows any table of the kind in that picture."""
    return LAYOUT_WIDTHS[writes_numbers((max_len, d_model))]


def _table_title(d_model: int) -> str:
    return f"PE table (d_model = {d_model})"


def _position_names(max_len: int) -> list[str]:
    return [f"pos {p}" for p in range(max_len)]


def _dimension_ticks(ax, d_model: int) -> None:
    """Every dimension named under an annotated table; every 4th or 8th under a wider one."""
    if d_model > MOST_ANNOTATED_COLUMNS:
        step = 8 if d_model > 32 else 4
        ax.set_xticks(range(0, d_model, step), labels=range(0, d_model, step))


def _outline_cell(ax, position: int, dimension: int) -> None:
    outline(ax, row=position, linewidth=2.2)
    outline(ax, column=dimension, color=WAVE_COLOR, linewidth=2.2)
