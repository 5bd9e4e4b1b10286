"""Position-wise feed-forward network: Linear, ReLU, Linear, the same weights at every position."""

from __future__ import annotations

import numpy as np

from .linear import Linear
from .module import Module


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), elementwise. Shape (...) -> (...)."""
    return np.maximum(x, 0)


def relu_backward(dout: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Gradient through relu: dout where x > 0, else 0. dout and x (...) of one shape -> (...)."""
    return dout * (x > 0)


class FeedForward(Module):
    """FFN(x) = ReLU(x W1 + b1) W2 + b2, applied to each token separately.

    Shapes: x (..., d_model) -> hidden (..., d_ff) -> out (..., d_model); the paper uses
    d_ff = 4 d_model (2048 for 512). Trace: ``hidden`` (before ReLU), ``activated``.
    """

    def __init__(self, d_model: int, d_ff: int, rng: np.random.Generator, dtype=np.float64):
        super().__init__()
        self.add_module("linear1", Linear(d_model, d_ff, rng, dtype))
        self.add_module("linear2", Linear(d_ff, d_model, rng, dtype))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_model) -> (..., d_model)."""
        hidden = self.linear1.forward(x)
        activated = relu(hidden)
        self._cache = hidden
        self._trace = {"hidden": hidden, "activated": activated}
        return self.linear2.forward(activated)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_model) -> dx (..., d_model)."""
        d_activated = self.linear2.backward(dout)
        d_hidden = relu_backward(d_activated, self._cache)
        return self.linear1.backward(d_hidden)
