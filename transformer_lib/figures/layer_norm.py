"""Layer normalisation (층 정규화) of a few tokens as three annotated heatmaps: the input rows,
each token's own mean and standard deviation, and the normalised rows (x - mean) / std, with
one token's row outlined in all three. The numbers come from the LayerNorm's trace."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure, outline, symmetric_limit, update_matrix_figure


def layer_norm_figure(inputs: np.ndarray, mean: np.ndarray, std: np.ndarray, normalized: np.ndarray,
                      token_labels: Sequence[str], feature_labels: Sequence[str], token: int,
                      title: str | None = None) -> Figure:
    """`inputs` (T, d_model), `mean` and `std` (T, 1) side by side as one (T, 2) panel, and
    `normalized` (T, d_model), with row `token` outlined in each panel, all on one colour scale."""
    fig = matrix_figure(_panels(inputs, mean, std, normalized, token_labels, feature_labels), suptitle=title)
    for ax in fig.axes:
        outline(ax, row=token)
    return fig


def update_layer_norm(fig: Figure, inputs: np.ndarray, mean: np.ndarray, std: np.ndarray, normalized: np.ndarray,
                      token_labels: Sequence[str], feature_labels: Sequence[str], token: int,
                      title: str | None = None) -> None:
    """Show other numbers of the same shapes in `fig`, drawn by `layer_norm_figure`, in place:
    the cells, the shared colour scale, the outlined row and the title."""
    update_matrix_figure(fig, _panels(inputs, mean, std, normalized, token_labels, feature_labels), suptitle=title)
    for ax in fig.axes:
        (box,) = ax.patches  # the outline of the token's row
        box.set_y(token - 0.5)


def _panels(inputs, mean, std, normalized, token_labels, feature_labels) -> list[dict]:
    """The three panels on one colour scale, symmetric about 0 over all their values."""
    stats = np.concatenate([mean, std], axis=1)
    limit = symmetric_limit(inputs, stats, normalized)
    scale = {"vmin": -limit, "vmax": limit, "cmap": "RdBu_r"}
    return [
        {"matrix": inputs, "row_labels": token_labels, "col_labels": feature_labels, "title": "input x", **scale},
        {"matrix": stats, "row_labels": token_labels, "col_labels": ["mean", "std"], "title": "per token", **scale},
        {"matrix": normalized, "row_labels": token_labels, "col_labels": feature_labels, "title": "(x - mean) / std",
         **scale},
    ]
