"""Scaled dot-product attention (셀프 어텐션) of one head, step by step, as four annotated
heatmaps: Q Kᵀ, the scaled scores, the softmax weights (0 to 1, each row sums to 1) and the
output, weights times V. The numbers are computed by the attention explorer and passed in."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from .plotting import matrix_figure


def attention_steps_figure(scores: np.ndarray, scaled_scores: np.ndarray, weights: np.ndarray, output: np.ndarray,
                           token_labels: Sequence[str], *, temperature: float, masked: bool,
                           head_name: str = "single head") -> Figure:
    """Two rows of two panels: `scores` = Q Kᵀ (T, T), `scaled_scores` (T, T) (-inf where the
    causal mask hides a key), `weights` (T, T) on the fixed scale 0 to 1, and `output` (T, d_k).
    Rows are the queries `token_labels` (T,); the titles name `head_name`, the `temperature`
    and whether the causal mask is on (`masked`)."""
    d_k = np.shape(output)[-1]
    dims = [f"d{i}" for i in range(d_k)]
    common = {"row_labels": token_labels, "colorbar": True}
    return matrix_figure([
        {"matrix": scores, "col_labels": token_labels, "title": "Q Kᵀ", **common},
        {"matrix": scaled_scores, "col_labels": token_labels,
         "title": f"scaled: Q Kᵀ / ({temperature:.1f} x sqrt({d_k})){' + mask' if masked else ''}", **common},
        {"matrix": weights, "col_labels": token_labels, "title": "softmax weights", "vmin": 0, "vmax": 1,
         "cmap": "Blues", **common},
        {"matrix": output, "col_labels": dims, "title": "output = weights V", **common},
    ], ncols=2, cell_size=0.85, suptitle=f"{head_name}: {' '.join(token_labels)}, temperature {temperature:.2f}, "
                                         f"causal mask {'on' if masked else 'off'}")
