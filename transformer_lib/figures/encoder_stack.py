"""A stack of encoder layers (chapter 07) seen through one head: that head's attention weights
in every layer, then the stack's output. The numbers come from the encoder's trace and are
passed in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure, update_matrix_figure


def encoder_stack_figure(weights: Sequence[np.ndarray], output: np.ndarray, token_labels: Sequence[str],
                         head: int, weights_name: str | None = None) -> Figure:
    """One panel per layer with head `head`'s `weights` (T, T) on the scale 0 to 1, then the
    last layer's `output` (T, d_model); at most 3 panels per row, so that the figure stays
    under 1000 px wide. `weights_name` (e.g. "trained"), if given, starts each panel's title."""
    panels = _panels(weights, output, token_labels, head, weights_name)
    return matrix_figure(panels, ncols=min(len(panels), 3), cell_size=0.45)


def update_encoder_stack(fig: Figure, weights: Sequence[np.ndarray], output: np.ndarray,
                         token_labels: Sequence[str], head: int, weights_name: str | None = None) -> None:
    """Show another head, or other weights of as many layers, in `fig`, drawn by
    `encoder_stack_figure`, in place."""
    update_matrix_figure(fig, _panels(weights, output, token_labels, head, weights_name))


def _panels(weights, output, token_labels, head, weights_name) -> list[dict]:
    prefix = f"{weights_name}, " if weights_name else ""
    panels = [{"matrix": m, "row_labels": token_labels, "col_labels": token_labels,
               "title": f"{prefix}layer {i + 1}, head {head + 1}", "vmin": 0, "vmax": 1, "cmap": "Blues"}
              for i, m in enumerate(weights)]
    panels.append({"matrix": output, "row_labels": token_labels,
                   "col_labels": [f"f{i}" for i in range(np.shape(output)[-1])],
                   "title": f"output of layer {len(weights)}"})
    return panels
