"""Scaled dot-product attention (셀프 어텐션) of one head, step by step, as four annotated
heatmaps: Q Kᵀ, the scaled scores, the softmax weights (0 to 1, each row sums to 1) and the
output, weights times V. The numbers are computed by the attention explorer and passed in.

`attention_steps_figure` draws the picture; `update_attention_steps` shows other numbers in a
figure it drew without building or laying it out again (the live control's redraw)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure, update_heatmap
from .token_labels import widest_label


def attention_steps_figure(scores: np.ndarray, scaled_scores: np.ndarray, weights: np.ndarray, output: np.ndarray,
                           token_labels: Sequence[str], *, temperature: float, masked: bool,
                           head_name: str = "single head", room_for: Sequence[str] | None = None) -> Figure:
    """Two rows of two panels: `scores` = Q Kᵀ (T, T), `scaled_scores` (T, T) (-inf where the
    causal mask hides a key), `weights` (T, T) on the fixed scale 0 to 1, and `output` (T, d_k),
    each with its colour bar. Rows are the queries `token_labels` (T,); the titles name
    `head_name`, the `temperature` and whether the causal mask is on (`masked`). With
    `room_for` (token names), the figure is a frame for them: rows and columns are labelled
    with the widest of these names and laid out for it, and `update_attention_steps` shows
    any of them without laying the figure out again."""
    if room_for is not None:
        token_labels = [widest_label(room_for)] * len(token_labels)
    panels = _panels(scores, scaled_scores, weights, output, token_labels, temperature, masked)
    return matrix_figure([dict(panel, colorbar=True) for panel in panels], ncols=2, cell_size=0.85,
                         suptitle=_suptitle(token_labels, temperature, masked, head_name))


def update_attention_steps(figure: Figure, scores: np.ndarray, scaled_scores: np.ndarray, weights: np.ndarray,
                           output: np.ndarray, token_labels: Sequence[str], *, temperature: float, masked: bool,
                           head_name: str = "single head") -> None:
    """Show the numbers of another setting in `figure`, drawn by `attention_steps_figure`, in
    place: the same figure, panels and colour bars, its layout unchanged. The arguments are
    those of `attention_steps_figure`; `output` may have another width d_k."""
    panels = _panels(scores, scaled_scores, weights, output, token_labels, temperature, masked)
    axes = [ax for ax in figure.axes if ax.images]  # the four panels (the colour bars hold no image)
    for ax, panel in zip(axes, panels, strict=True):
        update_heatmap(ax, **panel)
    figure.suptitle(_suptitle(token_labels, temperature, masked, head_name), fontsize=11)  # as matrix_figure


def _panels(scores, scaled_scores, weights, output, token_labels, temperature, masked) -> list[dict]:
    d_k = np.shape(output)[-1]
    return [
        {"matrix": scores, "row_labels": token_labels, "col_labels": token_labels, "title": "Q Kᵀ"},
        {"matrix": scaled_scores, "row_labels": token_labels, "col_labels": token_labels,
         "title": f"scaled: Q Kᵀ / ({temperature:.1f} x sqrt({d_k})){' + mask' if masked else ''}"},
        {"matrix": weights, "row_labels": token_labels, "col_labels": token_labels, "title": "softmax weights",
         "vmin": 0, "vmax": 1, "cmap": "Blues"},
        {"matrix": output, "row_labels": token_labels, "col_labels": [f"d{i}" for i in range(d_k)],
         "title": "output = weights V"},
    ]


def _suptitle(token_labels, temperature, masked, head_name) -> str:
    return f"{head_name}: {' '.join(token_labels)}, temperature {temperature:.2f}, causal mask {'on' if masked else 'off'}"
