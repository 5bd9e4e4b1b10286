"""Layer normalisation: each token's feature vector to mean 0 and variance 1, then a learned
gain and bias (Ba et al., 2016)."""

from __future__ import annotations

import numpy as np

from .module import Module
from .validation import check_last_axis, check_positive_integer


class LayerNorm(Module):
    """y = gamma * (x - mean) / std + beta over the last axis (the d_model features of one
    token), with std = sqrt(var + eps) and the biased variance, as ``torch.nn.LayerNorm``.

    Parameters: ``gamma`` (d_model,) starting at 1, ``beta`` (d_model,) starting at 0.
    Trace: ``mean`` and ``std`` (..., 1), ``normalized`` (..., d_model).
    """

    def __init__(self, d_model: int, eps: float = 1e-5, dtype=np.float64):
        super().__init__()
        check_positive_integer(d_model, "d_model")
        if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)) or not 0 < eps < np.inf:
            raise ValueError(f"eps must be a positive finite number (it keeps sqrt(var + eps) above 0), got {eps!r}")
        self.d_model, self.eps = d_model, eps
        self.add_parameter("gamma", np.ones(d_model, dtype=dtype))
        self.add_parameter("beta", np.zeros(d_model, dtype=dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_model) -> y (..., d_model)."""
        x = check_last_axis(x, "x", self.d_model)
        mean = x.mean(axis=-1, keepdims=True)
        centred = x - mean
        std = np.sqrt((centred**2).mean(axis=-1, keepdims=True) + self.eps)
        x_hat = centred / std
        self._cache = (x_hat, std)
        self._trace = {"mean": mean, "std": std, "normalized": x_hat}
        return self.gamma * x_hat + self.beta

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_model) -> dx (..., d_model); adds dL/dgamma and dL/dbeta.

        With g = dL/dx_hat = dout * gamma, differentiating through the mean and the variance
        gives dx = (g - mean(g) - x_hat * mean(g * x_hat)) / std."""
        x_hat, std = self._cache
        d = self.d_model
        self._grads["gamma"] += (dout * x_hat).reshape(-1, d).sum(axis=0)
        self._grads["beta"] += dout.reshape(-1, d).sum(axis=0)
        g = dout * self.gamma
        return (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / std
