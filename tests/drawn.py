"""What a figure shows, for tests of plot routines and controls."""

import numpy as np


def drawn_matrices(figure, fill: float | None = None) -> list[np.ndarray]:
    """The matrix of each panel of `figure` that draws an image, in drawing order. Cells the
    heatmap masks (-inf) keep their values, or become `fill` when it is given."""
    arrays = [ax.images[0].get_array() for ax in figure.axes if ax.images]
    return [np.asarray(a) if fill is None else np.asarray(a.filled(fill)) for a in arrays]
