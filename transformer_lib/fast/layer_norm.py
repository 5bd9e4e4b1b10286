"""`FastLayerNorm`: layer normalisation with its sums as dot products and its temporaries
reused in place."""

from __future__ import annotations

import numpy as np

from ..model.layer_norm import LayerNorm
from ..model.validation import check_last_axis
from .reductions import column_sum, row_dot, row_mean


class FastLayerNorm(LayerNorm):
    """`LayerNorm` with the same parameters, trace, cache and numbers (up to rounding): the row
    means and sums of squares through `row_mean` and `row_dot`, the parameter gradients through
    `column_sum`, and the backward formula's means without forming g = dout * gamma first."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_model) -> y (..., d_model)."""
        x = check_last_axis(x, "x", self.d_model)
        mean = row_mean(x)
        centred = x - mean
        std = np.sqrt(row_dot(centred, centred) / self.d_model + self.eps)
        x_hat = np.divide(centred, std, out=centred)  # in place: centred is not kept
        self._cache = (x_hat, std)
        self._trace = {"mean": mean, "std": std, "normalized": x_hat}
        out = x_hat * self.gamma
        out += self.beta
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_model) -> dx (..., d_model) = (g - mean(g) - x_hat mean(g x_hat)) / std
        with g = dout * gamma; adds dL/dgamma and dL/dbeta."""
        x_hat, std = self._cache
        d = self.d_model
        dout_x_hat = dout * x_hat
        self._grads["gamma"] += column_sum(dout_x_hat.reshape(-1, d))
        self._grads["beta"] += column_sum(dout.reshape(-1, d))
        mean_g = row_dot(dout, self.gamma) / d  # mean(g) without forming g first
        mean_g_x_hat = row_dot(dout_x_hat, self.gamma) / d  # mean(g * x_hat)
        dx = dout * self.gamma  # g, then the formula's three steps in place
        dx -= mean_g
        dx -= np.multiply(x_hat, mean_g_x_hat, out=dout_x_hat)
        dx /= std
        return dx
