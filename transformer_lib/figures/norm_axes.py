"""Which numbers a normalisation averages over: layer norm (층 정규화) takes one token's d_model
features; batch norm (배치 정규화) takes one feature over every token of every sentence in the
batch. And why "rows" or "columns" is only a matter of how the matrix is drawn."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .plotting import heatmap, outline

SHADED = "#d6604d"
PLAIN = "#bdbdbd22"


def _block(ax, filled_slice: tuple, batch: int, tokens: int, features: int, title: str) -> None:
    # Voxel grid indexed (features, batch, tokens): features run left to right, the batch runs
    # into the page, tokens run downwards (token 0 on top).
    shaded = np.zeros((features, batch, tokens), dtype=bool)
    shaded[filled_slice] = True
    # Two calls, so that the faces between shaded and plain cells are drawn too.
    ax.voxels(~shaded, facecolors=PLAIN, edgecolor="#969696", linewidth=0.3)
    ax.voxels(shaded, facecolors=SHADED, edgecolor="#4d4d4d", linewidth=0.4)
    ax.set_xlabel("features (d_model)", labelpad=-8, fontsize=9)
    ax.set_ylabel("batch", labelpad=-8, fontsize=9)
    ax.set_zlabel("tokens", labelpad=-8, fontsize=9)
    ax.set_xticks([]), ax.set_yticks([]), ax.set_zticks([])
    ax.invert_zaxis()
    ax.set_box_aspect((features, batch * 1.2, tokens))
    ax.view_init(elev=22, azim=-62)
    ax.set_title(title, fontsize=10)


def norm_axes_figure(batch: int = 3, tokens: int = 4, features: int = 6, token: int = 1, feature: int = 2) -> Figure:
    """Two (batch, tokens, features) blocks: on the left the numbers one layer-norm mean and
    standard deviation are taken over (sentence 0, `token`, all features), on the right those of
    one batch-norm statistic (every sentence, every token, `feature`)."""
    fig = plt.figure(figsize=(9.0, 3.6))
    left = fig.add_subplot(1, 2, 1, projection="3d")
    right = fig.add_subplot(1, 2, 2, projection="3d")
    _block(left, (slice(None), 0, token), batch, tokens, features,
           f"layer norm: one token, all {features} features\n(one mean and std per token)")
    _block(right, (feature, slice(None), slice(None)), batch, tokens, features,
           "batch norm: one feature, all tokens of all sentences\n(one mean and std per feature)")
    fig.subplots_adjust(left=0.02, right=0.98, top=0.86, bottom=0.02, wspace=0.05)
    return fig


def drawing_orientation_figure(matrix: np.ndarray, token_labels: Sequence[str], feature_labels: Sequence[str],
                               token: int) -> Figure:
    """The same (tokens, features) matrix drawn two ways, one token's features outlined: a row
    when tokens are rows, a column when tokens are columns. Layer norm averages over the
    outlined cells in both drawings."""
    m = np.asarray(matrix)
    tokens, features = m.shape
    fig, (a, b) = plt.subplots(1, 2, figsize=(8.6, 3.4), gridspec_kw={"width_ratios": [features, tokens + 1.5]})
    heatmap(a, m, token_labels, feature_labels, "tokens as rows: normalise each row")
    heatmap(b, m.T, feature_labels, token_labels, "tokens as columns:\nnormalise each column")
    outline(a, row=token)
    outline(b, column=token)
    fig.tight_layout()
    return fig
