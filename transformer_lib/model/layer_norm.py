"""Layer normalisation: each token's feature vector to mean 0 and variance 1, then a learned
gain and bias (Ba et al., 2016)."""

from __future__ import annotations

import numpy as np

from ..fast.reductions import column_sum, row_dot, row_mean
from .module import Module
from .validation import check_last_axis


class LayerNorm(Module):
    """y = gamma * (x - mean) / sqrt(var + eps) + beta over the last axis (the d_model features
    of one token), with the biased variance, as ``torch.nn.LayerNorm``.

    Parameters: ``gamma`` (d_model,) starting at 1, ``beta`` (d_model,) starting at 0.
    Trace: ``mean`` and ``std`` (..., 1), ``normalized`` (..., d_model).
    """

    def __init__(self, d_model: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__()
        self.d_model, self.eps = d_model, eps
        self.add_parameter("gamma", np.ones(d_model, dtype=dtype))
        self.add_parameter("beta", np.zeros(d_model, dtype=dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_model) -> y (..., d_model)."""
        x = check_last_axis(x, "x", self.d_model)
        mean = row_mean(x)
        centred = x - mean
        var = row_dot(centred, centred) / self.d_model
        inv_std = 1.0 / np.sqrt(var + self.eps)
        x_hat = np.multiply(centred, inv_std, out=centred)  # in place: centred is not kept
        self._cache = (x_hat, inv_std)
        self._trace = {"mean": mean, "std": 1.0 / inv_std, "normalized": x_hat}
        out = x_hat * self.gamma
        out += self.beta
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_model) -> dx (..., d_model); adds dL/dgamma and dL/dbeta.

        With g = dL/dx_hat = dout * gamma, differentiating through the mean and the variance
        gives dx = inv_std * (g - mean(g) - x_hat * mean(g * x_hat))."""
        x_hat, inv_std = self._cache
        d = self.d_model
        dout_x_hat = dout * x_hat
        self._grads["gamma"] += column_sum(dout_x_hat.reshape(-1, d))
        self._grads["beta"] += column_sum(dout.reshape(-1, d))
        mean_g = row_dot(dout, self.gamma) / d  # mean(g) without forming g first
        mean_g_x_hat = row_dot(dout_x_hat, self.gamma) / d  # mean(g * x_hat)
        dx = dout * self.gamma  # g, then the formula's three steps in place
        dx -= mean_g
        dx -= np.multiply(x_hat, mean_g_x_hat, out=dout_x_hat)
        dx *= inv_std
        return dx
