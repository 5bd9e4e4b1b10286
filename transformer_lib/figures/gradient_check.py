"""A gradient check as a picture: the gradient backpropagation gives, the one centred
differences measure, and their difference, as heatmaps on one colour scale centred on 0, so a
wrong entry stands out in the third panel. The gradients are computed elsewhere and passed in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure, symmetric_limit

DECIMALS = 3  # the cells' numbers; rounding before drawing keeps -0.000 out of the difference panel


def gradient_check_figure(backprop: np.ndarray, numerical: np.ndarray, row_labels: Sequence[str],
                          col_labels: Sequence[str], title: str) -> Figure:
    """`backprop`, `numerical` and backprop - numerical (R, C each; a vector is drawn as one
    row), rounded to 3 decimals, side by side with their row labels written once, or one above
    the other when C > 6; the colour scale is ± the largest |entry| of the two gradients."""
    backprop, numerical = np.atleast_2d(backprop), np.atleast_2d(numerical)
    limit = symmetric_limit(backprop, numerical)
    common = dict(row_labels=row_labels, col_labels=col_labels, decimals=DECIMALS, vmin=-limit, vmax=limit,
                  cmap="RdBu_r")
    shown = {"backpropagation": backprop, "centred differences": numerical, "difference": backprop - numerical}
    return matrix_figure([dict(matrix=np.round(m, DECIMALS) + 0.0, title=name, **common) for name, m in shown.items()],
                         ncols=3 if backprop.shape[1] <= 6 else 1, cell_size=0.5, suptitle=title, share_rows=True)
