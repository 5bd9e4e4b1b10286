"""Pictures of matrices: annotated heatmaps with labelled rows and columns and the shape in the
title. Computation never depends on a figure: these functions only draw.

``matrix_figure`` builds and returns a Figure (for the figure modules and tests); ``show_matrices``
draws it in a notebook and returns nothing printable."""

from __future__ import annotations

import weakref
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from .token_labels import drawn_labels

MASKED_COLOR = "#d9d9d9"
MOST_ANNOTATED_ROWS, MOST_ANNOTATED_COLUMNS = 12, 16  # larger heatmaps leave their cells unwritten by default


def writes_numbers(shape: tuple[int, int], annotate: bool | None = None) -> bool:
    """Whether `heatmap` writes the numbers of a matrix of `shape` (R, C) into its cells:
    `annotate` if given, else while the matrix is small enough to read (up to 12 x 16)."""
    if annotate is not None:
        return bool(annotate)
    rows, cols = shape
    return rows <= MOST_ANNOTATED_ROWS and cols <= MOST_ANNOTATED_COLUMNS


def heatmap(ax: Axes, matrix, row_labels: Sequence[str] | None = None, col_labels: Sequence[str] | None = None,
            title: str | None = None, decimals: int = 2, cmap: str | None = None,
            vmin: float | None = None, vmax: float | None = None, show_shape: bool = True,
            colorbar: bool | None = None, annotate: bool | None = None) -> None:
    """Draw a 2-D `matrix` (R, C) on `ax` with each value written in its cell.

    -inf cells (masked attention scores) are grey and read "-inf". Signed data use a diverging
    colour map centred on 0; non-negative data (probabilities) a sequential one. Cell text is
    skipped when the matrix is too large to read (over 12 x 16) unless `annotate` is set. A
    colour bar is drawn when `colorbar` is True, and by default (None) when the numbers are not
    written in the cells; pass False when the figure draws one shared colour bar itself."""
    m = _as_matrix(matrix)
    cmap, vmin, vmax = _colour_scale(m, cmap, vmin, vmax)
    image = ax.imshow(np.ma.masked_where(~np.isfinite(m), m), cmap=_colormap(cmap), vmin=vmin, vmax=vmax,
                      aspect="auto")
    annotate = writes_numbers(m.shape, annotate)
    if annotate:
        for (r, c), (text, color) in zip(np.ndindex(m.shape), _cell_texts(image, m, decimals), strict=True):
            ax.text(c, r, text, ha="center", va="center", fontsize=9, color=color)
    _labels_and_title(ax, m.shape, row_labels, col_labels, title, show_shape)
    if colorbar or (colorbar is None and not annotate):  # colour without printed numbers needs a scale
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04)


def update_heatmap(ax: Axes, matrix, row_labels: Sequence[str] | None = None,
                   col_labels: Sequence[str] | None = None, title: str | None = None, decimals: int = 2,
                   cmap: str | None = None, vmin: float | None = None, vmax: float | None = None,
                   show_shape: bool = True) -> None:
    """Show new numbers (and labels) in the heatmap `heatmap` drew on `ax`, in place: the same
    image, colour bar and position, so the figure's layout is not computed again. Draws what
    `heatmap` would draw for these arguments; cells are written if they were written before."""
    m = _as_matrix(matrix)
    cmap, vmin, vmax = _colour_scale(m, cmap, vmin, vmax)
    image = ax.images[0]
    shown = np.ma.masked_where(~np.isfinite(m), m)
    if vmin is None and vmax is None and shown.count():  # what imshow does given no limits: the data's range
        vmin, vmax = float(shown.min()), float(shown.max())
    rows, cols = m.shape
    image.set_data(shown)
    image.set_extent((-0.5, cols - 0.5, rows - 0.5, -0.5))
    if image.cmap.name != cmap:  # each change redraws the colour bar: only what changed
        image.set_cmap(_colormap(cmap))
    if image.get_clim() != (vmin, vmax):
        image.set_clim(vmin, vmax)
    if ax.texts:
        if len(ax.texts) != m.size:
            for text in list(ax.texts):
                text.remove()
            for r, c in np.ndindex(m.shape):
                ax.text(c, r, "", ha="center", va="center", fontsize=9)
        for artist, (text, color) in zip(ax.texts, _cell_texts(image, m, decimals), strict=True):
            artist.set_text(text)
            artist.set_color(color)
    _labels_and_title(ax, m.shape, row_labels, col_labels, title, show_shape)


def _as_matrix(matrix) -> np.ndarray:
    m = np.asarray(matrix, dtype=np.float64)
    if m.ndim == 1:
        m = m[None, :]
    if m.ndim != 2:
        raise ValueError(f"heatmap needs a 2-D matrix, got shape {m.shape}")
    return m


def _colour_scale(m: np.ndarray, cmap: str | None, vmin: float | None, vmax: float | None):
    """(cmap, vmin, vmax): blue for non-negative data, red-blue centred on 0 for signed data."""
    values = m[np.isfinite(m)]
    if cmap is None:
        cmap = "Blues" if values.size and values.min() >= 0 else "RdBu_r"
    if vmin is None and vmax is None and cmap == "RdBu_r" and values.size:
        vmax = float(np.abs(values).max()) or 1.0
        vmin = -vmax
    return cmap, vmin, vmax


def _colormap(cmap: str):
    return plt.get_cmap(cmap).with_extremes(bad=MASKED_COLOR)


def _cell_texts(image, m: np.ndarray, decimals: int) -> list[tuple[str, str]]:
    """(text, colour) of each cell of `m`, row by row: the value, white on dark colours."""
    values = m.ravel()
    finite = np.isfinite(values)
    colours = np.zeros((values.size, 4))
    if finite.any():  # the colour map on all finite values at once: the colours it gives each one
        colours[finite] = image.cmap(image.norm(values[finite]))
    cells = []
    for v, is_finite, (red, green, blue, _) in zip(values.tolist(), finite.tolist(), colours.tolist(), strict=True):
        if not is_finite:
            cells.append(("-inf" if v < 0 else "inf", "black"))
            continue
        cells.append((f"{round(v, decimals) + 0.0:.{decimals}f}",  # + 0.0: no "-0.00"
                      "white" if 0.299 * red + 0.587 * green + 0.114 * blue < 0.5 else "black"))
    return cells


def _labels_and_title(ax: Axes, shape: tuple[int, int], row_labels, col_labels, title, show_shape: bool) -> None:
    """Label the rows and columns of the heatmap on `ax` and title it, touching only what differs
    from what it shows (new tick labels are new artists, each measured again when drawn)."""
    rows, cols = shape
    long_labels = col_labels is not None and max(map(len, map(str, col_labels)), default=0) > 4
    x_labels = tuple(drawn_labels(col_labels)) if col_labels is not None else tuple(range(cols))
    y_labels = tuple(drawn_labels(row_labels)) if row_labels is not None else tuple(range(rows))
    ticks = (x_labels, long_labels, y_labels)
    if _TICKS_SHOWN.get(ax) != ticks:
        ax.set_xticks(range(cols), labels=x_labels, rotation=45 if long_labels else 0,
                      ha="right" if long_labels else "center")
        ax.set_yticks(range(rows), labels=y_labels)
        ax.tick_params(length=0)
        _TICKS_SHOWN[ax] = ticks
    label = title or ""
    if show_shape:
        label = f"{label} ({rows} x {cols})" if label else f"{rows} x {cols}"
    if ax.get_title() != label:
        ax.set_title(label, fontsize=10)


_TICKS_SHOWN: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # heatmap axes -> the tick labels set on it


MAX_FIGURE_INCHES = 9.6  # the notebook column is about 1000 px, and figures are stored at 100 dpi
SMALLEST_CELL = 0.38       # inches: a cell still holds "-0.00" at 9 pt
SMALLEST_BARE_CELL = 0.15  # inches: a cell without a printed number
COLORBAR_INCHES = 0.3      # inches added beside the panels for shared colour bars


def matrix_figure(panels: Sequence[dict], ncols: int | None = None, cell_size: float = 0.55,
                  suptitle: str | None = None, share_rows: bool = False, shared_scale: bool = False,
                  shared_colorbar: bool = False) -> Figure:
    """A figure with one annotated heatmap per panel, side by side (wrapping after `ncols`).

    Each panel is a dict of `heatmap` keyword arguments and must hold ``matrix``. The figure
    stays within the notebook column (MAX_FIGURE_INCHES): cells shrink to fit, and where they
    would get smaller than SMALLEST_CELL (numbers printed in them) panels wrap onto more rows
    (without `ncols`). With `share_rows` the panels of a row of the figure have the same rows
    (the same tokens): their labels are written once, at the left, which leaves the width to
    the cells. `shared_scale` gives every panel one colour scale, the diverging one symmetric
    about 0 over all their values, for panels meant to be compared (a panel's own vmin, vmax or
    cmap still wins). `shared_colorbar` draws each colour scale of the figure once, as one colour
    bar beside the panels drawn on it, instead of one bar per panel."""
    n = len(panels)
    if shared_scale:
        limit = symmetric_limit(*(np.asarray(p["matrix"], dtype=np.float64)[np.isfinite(p["matrix"])] for p in panels))
        panels = [{"vmin": -limit, "vmax": limit, "cmap": "RdBu_r", **p} for p in panels]
    if shared_colorbar:
        panels = [dict(p, colorbar=False) for p in panels]
    shapes = [np.atleast_2d(np.asarray(p["matrix"])).shape for p in panels]

    def label_room(columns: int) -> float:
        """Inches for the row labels and the gaps beside `columns` panels in a row."""
        return 1.4 + 0.35 * (columns - 1) if share_rows else 1.4 * columns

    def row_width(columns: Sequence[tuple[int, int]], cell: float) -> float:
        return sum(s[1] for s in columns) * cell + label_room(len(columns))

    smallest = SMALLEST_CELL if any(writes_numbers(shape, panel.get("annotate"))
                                    for panel, shape in zip(panels, shapes, strict=True)) \
        else SMALLEST_BARE_CELL

    def fitting_cell(columns: int) -> float:
        """The cell size that fits panels in `columns` columns into the column width."""
        rows_of_panels = [shapes[i:i + columns] for i in range(0, n, columns)]
        widest = max(row_width(row, cell_size) for row in rows_of_panels)
        if widest <= MAX_FIGURE_INCHES:
            return cell_size
        cells = max(sum(s[1] for s in row) for row in rows_of_panels)
        return (MAX_FIGURE_INCHES - label_room(columns)) / cells

    if ncols is None:  # as many panels side by side as fit with cells no smaller than `smallest`
        ncols = n
        while ncols > 1 and fitting_cell(ncols) < smallest:
            ncols -= 1
    ncols = min(n, ncols)
    nrows = int(np.ceil(n / ncols))
    cell_size = max(smallest, fitting_cell(ncols))
    width = max(max(row_width(shapes[i:i + ncols], cell_size) for i in range(0, n, ncols)), 3.0)
    width += COLORBAR_INCHES if shared_colorbar else 0.0
    height = max(max(s[0] for s in shapes) * cell_size + 1.3, 2.0) * nrows
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height), squeeze=False, sharey=share_rows,
                             layout="constrained" if shared_colorbar else None,
                             gridspec_kw={"width_ratios": [max(s[1], 2) for s in shapes[:ncols]]} if nrows == 1 else None)
    for ax, panel in zip(axes.ravel(), panels, strict=False):
        heatmap(ax, **panel)
    if share_rows:
        for ax in axes[:, 1:].ravel():
            ax.tick_params(labelleft=False)
    for ax in axes.ravel()[n:]:
        ax.remove()
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    if shared_colorbar:
        _shared_colorbars(fig, axes.ravel()[:n])
    else:
        fig.tight_layout()
    return fig


def update_matrix_figure(fig: Figure, panels: Sequence[dict], suptitle: str | None = None) -> None:
    """Show other numbers in `fig`, drawn by `matrix_figure` with as many panels of the same
    shapes, in place (`update_heatmap` per panel; a panel dict may hold `heatmap`'s keywords)."""
    drawing = ("colorbar", "annotate")  # fixed when the figure was drawn
    axes = [ax for ax in fig.axes if ax.images]
    for ax, panel in zip(axes, panels, strict=True):
        update_heatmap(ax, **{key: value for key, value in panel.items() if key not in drawing})
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)


def _shared_colorbars(fig: Figure, axes) -> None:
    """One colour bar per colour scale (colour map and limits), beside the axes drawn on it."""
    groups: dict[tuple, list] = {}
    for ax in axes:
        image = ax.images[0]
        groups.setdefault((image.get_cmap().name, *image.get_clim()), []).append(ax)
    for group in groups.values():
        fig.colorbar(group[0].images[0], ax=list(group), shrink=0.8, aspect=25)


def show_matrices(panels: Sequence[dict], **kwargs) -> None:
    """Draw `matrix_figure(panels, **kwargs)` in the notebook. Returns nothing."""
    matrix_figure(panels, **kwargs)
    plt.show()


def show_matrix(matrix, row_labels=None, col_labels=None, title=None, **kwargs) -> None:
    """Draw one annotated heatmap in the notebook. Returns nothing."""
    show_matrices([dict(matrix=matrix, row_labels=row_labels, col_labels=col_labels, title=title, **kwargs)])


def symmetric_limit(*matrices) -> float:
    """The largest |value| over `matrices`, for one colour scale -limit .. limit centred on 0
    (1.0 if every value is 0, so the scale is never empty)."""
    return max(float(np.abs(np.asarray(m)).max()) for m in matrices) or 1.0


def outline(ax: Axes, *, row: int | None = None, column: int | None = None, color: str = "black",
            linewidth: float = 2.5) -> None:
    """Draw a box around one row, one column, or (both given) one cell of the heatmap on `ax`;
    the row's length and the column's height are read from the image."""
    rows, cols = ax.images[0].get_array().shape
    x, width = (-0.5, cols) if column is None else (column - 0.5, 1)
    y, height = (-0.5, rows) if row is None else (row - 0.5, 1)
    ax.add_patch(Rectangle((x, y), width, height, fill=False, edgecolor=color, linewidth=linewidth))
