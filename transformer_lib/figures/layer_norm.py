"""Layer normalisation (층 정규화) of a few tokens as three annotated heatmaps: the input rows,
each token's own mean and standard deviation, and the normalised rows (x - mean) / std, with
one token's row outlined in all three. The numbers come from the LayerNorm's trace."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure, outline


def layer_norm_figure(inputs: np.ndarray, mean: np.ndarray, std: np.ndarray, normalized: np.ndarray,
                      token_labels: Sequence[str], feature_labels: Sequence[str], token: int,
                      title: str | None = None) -> Figure:
    """`inputs` (T, d_model), `mean` and `std` (T, 1) side by side as one (T, 2) panel, and
    `normalized` (T, d_model), with row `token` outlined in each panel, all on one colour scale."""
    stats = np.concatenate([mean, std], axis=1)
    fig = matrix_figure([
        {"matrix": inputs, "row_labels": token_labels, "col_labels": feature_labels, "title": "input x"},
        {"matrix": stats, "row_labels": token_labels, "col_labels": ["mean", "std"], "title": "per token"},
        {"matrix": normalized, "row_labels": token_labels, "col_labels": feature_labels, "title": "(x - mean) / std"},
    ], suptitle=title, shared_scale=True)
    for ax in fig.axes:
        outline(ax, row=token)
    return fig
