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
from .parallel import split_rows
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
        y = x.reshape(-1, self.d_in) @ self.weight
        if self.has_bias:
            split_rows(lambda start, stop: np.add(y[start:stop], self.bias, out=y[start:stop]), len(y), y.size)
        return y.reshape(*x.shape[:-1], self.d_out)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_out) -> dx (..., d_in); adds dL/dW = xᵀ dout and dL/db = sum(dout)."""
        add_weight_gradients([self], dout)
        return input_gradient([self], dout)


def project_together(layers: Sequence[Linear], x: np.ndarray) -> np.ndarray:
    """The outputs of Linear layers that all read x (..., d_in), side by side (..., sum of their
    d_out) in the order of `layers`, from one product x [W_1 | W_2 | ...] plus one bias row;
    each layer keeps x for its backward pass, as its own forward does. One wide product runs
    closer to the machine's peak than several narrow ones. A layer whose forward is replaced
    through `override` makes every layer run its own forward instead (the replacement runs)."""
    if any("forward" in layer.__dict__ for layer in layers):
        return np.concatenate([layer.forward(x) for layer in layers], axis=-1)
    x = check_last_axis(x, "x", layers[0].d_in)
    for layer in layers:
        layer._cache = x
    weights = [layer.weight for layer in layers]
    stacked = weights[0] if len(weights) == 1 else np.concatenate(weights, axis=1)  # (d_in, sum of d_out)
    y = x.reshape(-1, x.shape[-1]) @ stacked
    if any(layer.has_bias for layer in layers):
        bias = np.concatenate([layer.bias if layer.has_bias else np.zeros(layer.d_out, dtype=y.dtype) for layer in layers])
        split_rows(lambda start, stop: np.add(y[start:stop], bias, out=y[start:stop]), len(y), y.size)
    return y.reshape(*x.shape[:-1], stacked.shape[1])


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
    weight_grad = x2.T @ d2
    bias_grad = column_sum(d2) if any(layer.has_bias for layer in layers) else None
    start = 0
    for layer in layers:
        columns = slice(start, start + layer.d_out)
        layer._grads["weight"] += weight_grad[:, columns]
        if layer.has_bias:
            layer._grads["bias"] += bias_grad[columns]
        start = columns.stop


def input_gradient(layers: Sequence[Linear], dout: np.ndarray) -> np.ndarray:
    """dL/dx (..., d_in) = the sum over `layers` (which all take d_in inputs) of their output
    gradient times their weight transposed, with the output gradients side by side in dout
    (..., sum of d_out): one product dout [W_1 | W_2 | ...]ᵀ."""
    weights = [layer.weight for layer in layers]
    stacked = weights[0] if len(weights) == 1 else np.concatenate(weights, axis=1)  # (d_in, sum of d_out)
    dx = dout.reshape(-1, dout.shape[-1]) @ stacked.T
    return dx.reshape(*dout.shape[:-1], layers[0].d_in)
