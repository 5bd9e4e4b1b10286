"""Linear (fully connected) layer: y = x W + b."""

from __future__ import annotations

import numpy as np

from .init import xavier_uniform
from .module import Module
from .reductions import column_sum


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
        """x (..., d_in) -> y (..., d_out)."""
        if np.shape(x)[-1:] != (self.d_in,):  # shape only: a finiteness scan would cost as much as the product
            raise ValueError(f"x has shape {np.shape(x)}, expected (..., {self.d_in}): {self.d_in} features on the last axis")
        self._cache = x
        x2 = x.reshape(-1, self.d_in)  # one matrix product for all tokens, not one per sequence
        y = x2 @ self.weight
        if self.has_bias:
            y += self.bias
        return y.reshape(*x.shape[:-1], self.d_out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_out) -> dx (..., d_in); adds dL/dW = xᵀ dout and dL/db = sum(dout)."""
        x = self._cache
        x2 = x.reshape(-1, self.d_in)
        d2 = dout.reshape(-1, self.d_out)
        self._grads["weight"] += x2.T @ d2
        if self.has_bias:
            self._grads["bias"] += column_sum(d2)
        return (d2 @ self.weight.T).reshape(x.shape)
