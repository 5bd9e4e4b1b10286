"""Linear (fully connected) layer: y = x W + b."""

from __future__ import annotations

import numpy as np

from .init import xavier_uniform
from .module import Module
from .validation import check_last_axis


class Linear(Module):
    """y = x @ weight + bias.

    Parameters: ``weight`` (d_in, d_out), ``bias`` (d_out,). The weight is stored input-major,
    so a row vector times the matrix reads like the source's diagrams; PyTorch's
    ``nn.Linear.weight`` is its transpose (d_out, d_in).
    """

    def __init__(self, d_in: int, d_out: int, rng: np.random.Generator, dtype=np.float64, bias: bool = True):
        super().__init__()
        self.d_in, self.d_out = d_in, d_out
        self.add_parameter("weight", xavier_uniform(rng, d_in, d_out, dtype))
        self.has_bias = bias
        if bias:
            self.add_parameter("bias", np.zeros(d_out, dtype=dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_in) -> y (..., d_out). Every token is one row of a matrix, so one matrix
        product serves the whole batch."""
        x = check_last_axis(x, "x", self.d_in)
        self._cache = x
        y = x.reshape(-1, self.d_in) @ self.weight
        if self.has_bias:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.d_out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_out) -> dx (..., d_in); adds dL/dW = xᵀ dout and dL/db = sum(dout), both
        summed over every token (one row each)."""
        x, dout = self._cache.reshape(-1, self.d_in), dout.reshape(-1, self.d_out)
        self._grads["weight"] += x.T @ dout
        if self.has_bias:
            self._grads["bias"] += dout.sum(axis=0)
        return (dout @ self.weight.T).reshape(*self._cache.shape)
