"""`FastLayerNorm`: layer normalisation with its sums as dot products, its temporaries reused in
place, and its rows computed in parallel."""

from __future__ import annotations

import numpy as np

from ..model.layer_norm import LayerNorm
from ..model.validation import check_last_axis
from .parallel import split_rows
from .reductions import column_sum, row_dot, row_mean


class FastLayerNorm(LayerNorm):
    """`LayerNorm` with the same parameters, trace, cache and numbers (up to rounding): the row
    means and sums of squares through `row_mean` and `row_dot`, the parameter gradients through
    `column_sum`, the backward formula's means without forming g = dout * gamma first, and
    every row-by-row step over blocks of rows in parallel (`split_rows`)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_model) -> y (..., d_model)."""
        x = check_last_axis(x, "x", self.d_model)
        d = self.d_model
        rows = x.reshape(-1, d)
        mean, std = np.empty((len(rows), 1), dtype=x.dtype), np.empty((len(rows), 1), dtype=x.dtype)
        x_hat, out = np.empty(rows.shape, dtype=x.dtype), np.empty(rows.shape, dtype=x.dtype)

        def normalise(start: int, stop: int) -> None:
            block = slice(start, stop)
            mean[block] = row_mean(rows[block])
            centred = np.subtract(rows[block], mean[block], out=x_hat[block])
            np.sqrt(row_dot(centred, centred) / d + self.eps, out=std[block])
            np.divide(centred, std[block], out=centred)  # x_hat
            np.multiply(centred, self.gamma, out=out[block])
            out[block] += self.beta

        split_rows(normalise, len(rows), rows.size)
        shape = (*x.shape[:-1], 1)
        x_hat, mean, std = x_hat.reshape(x.shape), mean.reshape(shape), std.reshape(shape)
        self._cache = (x_hat, std)
        self._trace = {"mean": mean, "std": std, "normalized": x_hat}
        return out.reshape(x.shape)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_model) -> dx (..., d_model) = (g - mean(g) - x_hat mean(g x_hat)) / std
        with g = dout * gamma; adds dL/dgamma and dL/dbeta."""
        x_hat, std = self._cache
        d = self.d_model
        dout = dout.reshape(-1, d)
        x_hat, std = x_hat.reshape(dout.shape), std.reshape(-1, 1)
        dout_x_hat, dx = np.empty_like(dout), np.empty_like(dout)

        def through_norm(start: int, stop: int) -> None:
            block = slice(start, stop)
            g_x_hat = np.multiply(dout[block], x_hat[block], out=dout_x_hat[block])
            mean_g = row_dot(dout[block], self.gamma) / d  # mean(g) without forming g first
            mean_g_x_hat = row_dot(g_x_hat, self.gamma) / d  # mean(g * x_hat)
            out = np.multiply(dout[block], self.gamma, out=dx[block])  # g, then the formula's three steps in place
            out -= mean_g
            out -= x_hat[block] * mean_g_x_hat
            out /= std[block]

        split_rows(through_norm, len(dout), dout.size)
        self._grads["gamma"] += column_sum(dout_x_hat)
        self._grads["beta"] += column_sum(dout)
        return dx.reshape(self._cache[0].shape)
