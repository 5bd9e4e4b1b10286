"""One head of the decoder's cross-attention (chapter 09): the scaled scores (-inf at masked
<pad> keys, drawn grey) and the weights, rows the decoder input tokens (queries), columns the
source tokens (keys). The numbers come from the model's trace and are passed in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure, update_matrix_figure
from .token_labels import widest_label


def cross_attention_figure(scaled_scores: np.ndarray, weights: np.ndarray, query_labels: Sequence[str],
                           key_labels: Sequence[str], head: int, weights_name: str | None = None,
                           room_for: Sequence[str] | None = None) -> Figure:
    """Head `head`'s `scaled_scores` and `weights` (Tt, Ts each; the weights on the scale 0 to
    1) side by side; `query_labels` (Tt,) name the rows, `key_labels` (Ts,) the columns;
    `weights_name` (e.g. "trained"), if given, heads the title. With `room_for` (token names),
    the figure is a frame for them: columns are labelled with the widest of these names, rows
    ("token -> token") with it twice, and `update_cross_attention` shows any of them without
    laying the figure out again."""
    if room_for is not None:
        widest = widest_label(room_for)
        query_labels, key_labels = [f"{widest} -> {widest}"] * len(query_labels), [widest] * len(key_labels)
    return matrix_figure(_panels(scaled_scores, weights, query_labels, key_labels, head), cell_size=0.6,
                         suptitle=_suptitle(key_labels, weights_name))


def update_cross_attention(fig: Figure, scaled_scores: np.ndarray, weights: np.ndarray, query_labels: Sequence[str],
                           key_labels: Sequence[str], head: int, weights_name: str | None = None) -> None:
    """Show another head (or numbers of the same shape) in `fig`, drawn by
    `cross_attention_figure`, in place."""
    update_matrix_figure(fig, _panels(scaled_scores, weights, query_labels, key_labels, head),
                         suptitle=_suptitle(key_labels, weights_name))


def _panels(scaled_scores, weights, query_labels, key_labels, head) -> list[dict]:
    return [
        {"matrix": scaled_scores, "row_labels": query_labels, "col_labels": key_labels,
         "title": f"head {head + 1} scaled scores"},
        {"matrix": weights, "row_labels": query_labels, "col_labels": key_labels, "title": f"head {head + 1} weights",
         "vmin": 0, "vmax": 1, "cmap": "Blues"},
    ]


def _suptitle(key_labels, weights_name) -> str:
    return (f"{weights_name + ' weights, ' if weights_name else ''}source: {' '.join(key_labels)}  "
            f"(rows: decoder, columns: source)")
