"""What changing one decoder input token does (chapter 08): the changed input's self-attention
weights, one panel per head, and how far every decoder output moved, |change| per position and
feature. With the causal mask the rows above the changed position stay white (exactly 0)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure, update_matrix_figure
from .token_labels import widest_label

SMALLEST_TOP = 0.05  # the |change| scale reaches at least this: a tiny change stays pale, and no change still has a scale


def masked_decoder_figure(weights: np.ndarray, change: np.ndarray, token_labels: Sequence[str],
                          feature_labels: Sequence[str], title: str | None = None,
                          key_labels: Sequence[str] | None = None, room_for: Sequence[str] | None = None) -> Figure:
    """`weights` (h, T, T) on the scale 0 to 1, one panel per head, then `change` (T, d_model)
    on the scale 0 to max(largest change, 0.05); the rows of every panel are `token_labels`
    (T,), the columns of the weights `key_labels` (default `token_labels`). With `room_for`
    (token names), the figure is a frame for them: keys are labelled with the widest of these
    names, starred ("token*", the changed one), rows with it twice ("token* -> token"), and
    `update_masked_decoder` shows any of them without laying the figure out again."""
    if room_for is not None:
        widest = widest_label(room_for)
        token_labels, key_labels = [f"{widest}* -> {widest}"] * len(token_labels), [f"{widest}*"] * len(token_labels)
    return matrix_figure(_panels(weights, change, token_labels, feature_labels, key_labels), cell_size=0.45,
                         suptitle=title)


def update_masked_decoder(fig: Figure, weights: np.ndarray, change: np.ndarray, token_labels: Sequence[str],
                          feature_labels: Sequence[str], title: str | None = None,
                          key_labels: Sequence[str] | None = None) -> None:
    """Show another change (as many heads and positions) in `fig`, drawn by
    `masked_decoder_figure`, in place."""
    update_matrix_figure(fig, _panels(weights, change, token_labels, feature_labels, key_labels), suptitle=title)


def _panels(weights, change, token_labels, feature_labels, key_labels=None) -> list[dict]:
    keys = token_labels if key_labels is None else key_labels
    panels = [{"matrix": w, "row_labels": token_labels, "col_labels": keys, "title": f"head {h + 1} weights",
               "vmin": 0, "vmax": 1, "cmap": "Blues"} for h, w in enumerate(weights)]
    panels.append({"matrix": change, "row_labels": token_labels, "col_labels": feature_labels,
                   "title": "|change| of decoder output", "cmap": "Reds", "vmin": 0,
                   "vmax": max(float(np.max(change)), SMALLEST_TOP)})
    return panels
