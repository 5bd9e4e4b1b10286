"""The positional-encoding explorer: choose d_model, a position and a dimension, and see the
whole table with that row and column outlined, the chosen dimension's wave over the positions,
and the formula evaluated for the chosen cell (위치 인코딩).

This module is the control: it reads the settings, takes the numbers from
`model.positional_encoding` and has `figures.positional_encoding` draw them."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..figures.positional_encoding import pe_cell_figure, pe_cell_layout, update_pe_cell
from ..model.positional_encoding import positional_encoding_at, sinusoidal_positional_encoding
from .base import Live, View, explorer, printable, remembered_layout

BASE = 10000.0


def positional_encoding_data(position: int = 1, dimension: int = 2, d_model: int = 6,
                             max_len: int = 10, curve_len: int = 50) -> dict:
    """The table and the chosen cell's formula, for the view.

    Returns ``table`` (max_len, d_model) from `sinusoidal_positional_encoding`, ``row`` =
    table[position] (d_model,), ``column`` = table[:, dimension] (max_len,), ``i`` (the pair
    index: dimension = 2i or 2i + 1), ``divisor`` = 10000^(2i / d_model), ``angle`` = position /
    divisor, ``function`` ('sin' or 'cos'), ``value`` = table[position, dimension],
    ``wavelength`` = 2 pi divisor (positions per full turn), the dimension over the first
    `curve_len` positions, ``long_column`` (curve_len,), and the same as a smooth curve,
    ``curve_positions`` and ``curve`` (600,)."""
    if not isinstance(d_model, (int, np.integer)) or d_model < 2:
        raise ValueError(f"d_model must be an integer >= 2, got {d_model!r}")
    if not 0 <= position < max_len:
        raise ValueError(f"position must be in 0 .. {max_len - 1}, got {position}")
    if not 0 <= dimension < d_model:
        raise ValueError(f"dimension must be in 0 .. {d_model - 1} for d_model = {d_model}, got {dimension}")
    long_table = sinusoidal_positional_encoding(max(curve_len, max_len), d_model, base=BASE)
    table = long_table[:max_len]  # a row depends only on its position: the first max_len rows
    i = dimension // 2
    divisor = BASE ** (2 * i / d_model)
    curve_positions = np.linspace(0, long_table.shape[0] - 1, 600)
    return {
        "table": table, "row": table[position], "column": table[:, dimension], "i": i,
        "divisor": divisor, "angle": position / divisor, "function": "sin" if dimension % 2 == 0 else "cos",
        "value": table[position, dimension], "long_column": long_table[:, dimension], "wavelength": 2 * np.pi * divisor,
        "curve_positions": curve_positions, "curve": positional_encoding_at(curve_positions, d_model, BASE)[:, dimension],
    }


def positional_encoding_view(position: int = 1, dimension: int = 2, d_model: int = 6, max_len: int = 10) -> View:
    """Left: the table (max_len, d_model) with row `position` and column `dimension` outlined.
    Right: column `dimension` as a wave over the positions, the chosen cell marked. The text
    evaluates the formula for the chosen cell and lists the chosen row.

    The figure is laid out for the table (`positional_encoding_layout`) and then shows the
    chosen cell (`show_positional_encoding`), as the explorer does."""
    figure = positional_encoding_layout(pe_cell_layout(max_len, d_model), max_len)
    return View(figure, show_positional_encoding(figure, position, dimension, d_model, max_len), whole=True)


@remembered_layout
def positional_encoding_layout(d_model: int = 16, max_len: int = 10) -> Figure:
    """The picture of the table (max_len, d_model) with position 1 and dimension 2 (or the
    last dimension, if fewer) chosen. The table's width moves no part of the layout (its cells
    stretch), so `show_positional_encoding` puts any cell of any table of the kind
    (`pe_cell_layout`) into it: a new d_model is one more update of the same figure."""
    position, dimension = min(1, max_len - 1), min(2, d_model - 1)
    d = positional_encoding_data(position, dimension, d_model, max_len)
    return pe_cell_figure(d["table"], position, dimension, d["curve_positions"], d["curve"], d["long_column"],
                          formula=_formula(d))


def show_positional_encoding(figure: Figure, position: int = 1, dimension: int = 2, d_model: int = 6,
                             max_len: int = 10) -> str:
    """Put the chosen cell of the table (max_len, d_model) into `figure` (from
    `positional_encoding_layout` of the table `pe_cell_layout` names) in place, and return the text of the view."""
    d = positional_encoding_data(position, dimension, d_model, max_len)
    table = d["table"]
    update_pe_cell(figure, table, position, dimension, d["curve_positions"], d["curve"], d["long_column"],
                   formula=_formula(d))
    two_i = 2 * d["i"]
    lines = [
        f"d_model = {d_model}: table shape {table.shape[0]} x {table.shape[1]} (positions 0 .. {max_len - 1})",
        f"dimension {dimension} = {'2i' if dimension % 2 == 0 else '2i + 1'} with i = {d['i']}: "
        f"PE[pos, {dimension}] = {d['function']}(pos / 10000^({two_i}/{d_model}))",
        f"10000^({two_i}/{d_model}) = {d['divisor']:.4f}; angle = {position} / {d['divisor']:.4f} = {d['angle']:.4f} rad",
        f"PE[{position}, {dimension}] = {d['function']}({d['angle']:.4f}) = {d['value']:.4f}",
        f"wavelength of this pair: 2 pi x {d['divisor']:.4f} = {d['wavelength']:.4f} positions",
        f"row of position {position}:",
    ]
    row = printable(d["row"])
    for start in range(0, d_model, 8):
        lines.append("  " + " ".join(f"{v:7.4f}" for v in row[start:start + 8]))
    return "\n".join(lines)


def _formula(d: dict) -> str:
    return f"{d['function']}(pos / {d['divisor']:.4g})"


def positional_encoding_explorer(max_len: int = 10):
    """Sliders for d_model, the position and the dimension, above the live view. The dimension
    slider's range follows d_model. The figure is updated in place, for a new d_model too; tables
    too wide for their numbers to be written in the cells have a figure of their own."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    d_model = w.IntSlider(value=6, min=2, max=64, step=2, description="d_model", style=style)
    position = w.IntSlider(value=1, min=0, max=max_len - 1, description="position", style=style)
    dimension = w.IntSlider(value=2, min=0, max=5, description="dimension", style=style)

    def follow_d_model(change):
        dimension.max = change["new"] - 1

    d_model.observe(follow_d_model, names="value")  # registered first, so it runs before the redraw
    controls = {"d_model": d_model, "position": position, "dimension": dimension}
    def laid_out_as(d_model: int) -> int:
        return pe_cell_layout(max_len, d_model)

    picture = Live(layout=lambda d_model: positional_encoding_layout(laid_out_as(d_model), max_len),
                   show=lambda figure, **s: show_positional_encoding(figure, max_len=max_len, **s),
                   layout_settings=("d_model",), layout_key=laid_out_as,
                   reachable=tuple({"d_model": d} for d in range(d_model.min, d_model.max + 1, d_model.step)))
    return explorer(picture, controls, "Positional encoding: a row per position, a wave per dimension")
