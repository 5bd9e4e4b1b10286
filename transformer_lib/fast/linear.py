"""The gradients of several Linear layers that read one input, from one product each, and
`FastLinear`, whose backward goes through them.

Attention applies W_q, W_k and W_v to one input. With their output gradients side by side, the
three weight gradients come from one matrix product three times as wide, which runs closer to
the machine's peak than three narrow ones, and the input gradients add up inside one product."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import accumulate

import numpy as np

from ..model.linear import Linear
from ..model.validation import check_last_axis
from .parallel import split_product_rows
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
        (dx,) = backward_through([self], dout)
        return dx


def backward_through(layers: Sequence[Linear], dout: np.ndarray, groups: Sequence[int] | None = None) -> list[np.ndarray]:
    """For Linear layers whose last forward pass read the same input x (..., d_in): dout
    (..., sum of their d_out) holds their output gradients side by side, in the order of
    `layers`. Adds each layer's dL/dW = xᵀ dout and dL/db = sum(dout) over the tokens, from one
    product xᵀ dout for all of them, and returns the input gradients of consecutive groups of
    layers (`groups` gives how many layers each takes; by default one group of all, none for
    ``()``): a group's gradient (..., d_in) is the sum of its layers' output gradients times
    their weights transposed, one product dout_group [W_1 | W_2 | ...]ᵀ.

    All of it runs in one `split_product_rows`: each thread computes its share of the weight
    gradient's columns (adding them into the layers' gradients) and the same share of the
    input gradients' rows."""
    x = layers[0]._cache
    if any(layer._cache is not x for layer in layers):
        raise ValueError("the layers' last forward passes read different inputs")
    groups = (len(layers),) if groups is None else tuple(groups)
    x2 = x.reshape(-1, x.shape[-1])
    d2 = dout.reshape(-1, dout.shape[-1])
    tokens, columns = d2.shape
    weight_grad = np.empty((x2.shape[1], columns), dtype=np.result_type(x2, d2))
    bias_grad = np.empty(columns, dtype=d2.dtype) if any(layer.has_bias for layer in layers) else None
    firsts = list(accumulate((layer.d_out for layer in layers), initial=0))  # each layer's first column in dout
    inputs = []  # per group: its columns of dout, its weights side by side (d_in, their d_out), dx (N, d_in)
    group_bounds = list(accumulate(groups, initial=0))  # each group's first layer, and the end
    for group_start, group_stop in zip(group_bounds[:-1], group_bounds[1:], strict=True):
        weights = [layer.weight for layer in layers[group_start:group_stop]]
        stacked = weights[0] if len(weights) == 1 else np.concatenate(weights, axis=1)
        inputs.append((slice(firsts[group_start], firsts[group_stop]), stacked,
                       np.empty((tokens, x2.shape[1]), dtype=weight_grad.dtype)))

    def gradients(start: int, stop: int) -> None:  # rows start .. stop of dx, the same share of xᵀ dout's columns
        first_column, stop_column = columns * start // tokens, columns * stop // tokens
        if first_column < stop_column:
            add_weight_gradient_columns(layers, firsts, x2, d2, weight_grad, bias_grad, first_column, stop_column)
        for group_columns, stacked, dx in inputs:
            np.matmul(d2[start:stop, group_columns], stacked.T, out=dx[start:stop])

    split_product_rows(gradients, tokens, x2.size * columns * (1 + len(groups)))
    return [dx.reshape(*dout.shape[:-1], x2.shape[1]) for _, _, dx in inputs]


def add_weight_gradient_columns(layers: Sequence[Linear], firsts: Sequence[int], x2: np.ndarray, d2: np.ndarray,
                                 weight_grad: np.ndarray, bias_grad: np.ndarray | None, start: int, stop: int) -> None:
    """Columns start .. stop of xᵀ dout and of sum(dout) (written into `weight_grad` and
    `bias_grad`), added into the gradients of the layers those columns belong to (the layer i
    owns the columns from ``firsts[i]`` on)."""
    np.matmul(x2.T, d2[:, start:stop], out=weight_grad[:, start:stop])
    if bias_grad is not None:
        bias_grad[start:stop] = column_sum(d2[:, start:stop])
    for layer, first in zip(layers, firsts[:-1], strict=True):
        lo, hi = max(start, first), min(stop, first + layer.d_out)  # this layer's columns in the block
        if lo < hi:
            layer._grads["weight"][:, lo - first:hi - first] += weight_grad[:, lo:hi]
            if layer.has_bias:
                layer._grads["bias"][lo - first:hi - first] += bias_grad[lo:hi]


def add_weight_gradients(layers: Sequence[Linear], dout: np.ndarray) -> None:
    """`backward_through` without input gradients: adds the layers' weight and bias gradients."""
    backward_through(layers, dout, groups=())
