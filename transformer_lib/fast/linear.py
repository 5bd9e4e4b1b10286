"""The gradients of several Linear layers that read one input, from one product each, and
`FastLinear`, whose backward goes through them.

Attention applies W_q, W_k and W_v to one input. With their output gradients side by side, the
three weight gradients come from one matrix product three times as wide, which runs closer to
the machine's peak than three narrow ones, and the input gradients add up inside one product."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..model.linear import Linear
from ..model.validation import check_last_axis
from .parallel import matmul, split_product_rows
from .reductions import column_sum


class FastLinear(Linear):
    """`Linear` with the same parameters and numbers (up to rounding): the bias added in place
    into the product, over the rows in parallel (`split_rows`), and the backward pass through
    `add_weight_gradients` (the bias gradient as a product with a ones vector) and
    `input_gradient`, the pieces attention's fast backward joins over W_q, W_k and W_v."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_in) -> y (..., d_out)."""
        x = check_last_axis(x, "x", self.d_in)
        self._cache = x
        rows = x.reshape(-1, self.d_in)
        y = np.empty((len(rows), self.d_out), dtype=np.result_type(rows, self.weight))

        def affine(start: int, stop: int) -> None:  # rows start .. stop of x W + b
            np.matmul(rows[start:stop], self.weight, out=y[start:stop])
            if self.has_bias:
                y[start:stop] += self.bias

        split_product_rows(affine, len(rows), rows.size * self.d_out)
        return y.reshape(*x.shape[:-1], self.d_out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_out) -> dx (..., d_in); adds dL/dW = xᵀ dout and dL/db = sum(dout)."""
        add_weight_gradients([self], dout)
        return input_gradient([self], dout)


def add_weight_gradients(layers: Sequence[Linear], dout: np.ndarray) -> None:
    """For Linear layers whose last forward pass read the same input x (..., d_in): dout
    (..., sum of their d_out) holds their output gradients side by side, in the order of
    `layers`. Adds each layer's dL/dW = xᵀ dout and dL/db = sum(dout) over the tokens, from
    one product xᵀ dout for all of them."""
    x = layers[0]._cache
    if any(layer._cache is not x for layer in layers):
        raise ValueError("the layers' last forward passes read different inputs")
    x2 = x.reshape(-1, x.shape[-1])
    d2 = dout.reshape(-1, dout.shape[-1])
    weight_grad = np.empty((x2.shape[1], d2.shape[1]), dtype=np.result_type(x2, d2))
    bias_grad = np.empty(d2.shape[1], dtype=d2.dtype) if any(layer.has_bias for layer in layers) else None
    firsts = np.cumsum([0] + [layer.d_out for layer in layers])  # each layer's first column in dout

    def gradient_columns(start: int, stop: int) -> None:  # columns start .. stop of xᵀ dout, added in
        np.matmul(x2.T, d2[:, start:stop], out=weight_grad[:, start:stop])
        if bias_grad is not None:
            bias_grad[start:stop] = column_sum(d2[:, start:stop])
        for layer, first in zip(layers, firsts[:-1], strict=True):
            lo, hi = max(start, first), min(stop, first + layer.d_out)  # this layer's columns in the block
            if lo < hi:
                layer._grads["weight"][:, lo - first:hi - first] += weight_grad[:, lo:hi]
                if layer.has_bias:
                    layer._grads["bias"][lo - first:hi - first] += bias_grad[lo:hi]

    split_product_rows(gradient_columns, d2.shape[1], x2.size * d2.shape[1])


def input_gradient(layers: Sequence[Linear], dout: np.ndarray) -> np.ndarray:
    """dL/dx (..., d_in) = the sum over `layers` (which all take d_in inputs) of their output
    gradient times their weight transposed, with the output gradients side by side in dout
    (..., sum of d_out): one product dout [W_1 | W_2 | ...]ᵀ."""
    weights = [layer.weight for layer in layers]
    stacked = weights[0] if len(weights) == 1 else np.concatenate(weights, axis=1)  # (d_in, sum of d_out)
    dx = matmul(dout.reshape(-1, dout.shape[-1]), stacked.T)
    return dx.reshape(*dout.shape[:-1], layers[0].d_in)
