"""`FastFeedForward`: the feed-forward network computed block of rows by block of rows, each block
on its own thread: forward in one pass (both products, both biases and ReLU), backward in two."""

from __future__ import annotations

import numpy as np

from ..model.feed_forward import FeedForward
from ..model.validation import check_last_axis
from .linear import FastLinear, add_weight_gradient_columns, backward_through
from .parallel import split_product_rows, split_rows


class FastFeedForward(FeedForward):
    """`FeedForward` with the same trace and numbers (up to rounding). Every token's row goes
    through the network on its own, so the forward pass runs whole on blocks of rows, one block
    per thread (`split_product_rows`): x W1 + b1, ReLU, then W2 + b2, with no wait between the
    steps. The backward pass takes two splits: first dout W2ᵀ through ReLU's mask on blocks of
    rows together with blocks of columns of W2's gradient (activatedᵀ dout), then
    `backward_through` the first layer. When either Linear layer runs steps put in through
    ``override``, both are called as layers instead."""

    def _fused(self) -> bool:
        """Whether both Linear layers are the fast path's own, with no step overridden."""
        return all(type(layer) is FastLinear and not {"forward", "backward"} & layer.__dict__.keys()
                   for layer in (self.linear1, self.linear2))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (..., d_model) -> (..., d_model)."""
        first, second = self.linear1, self.linear2
        if not self._fused():
            return self._forward_layer_by_layer(x)
        x = check_last_axis(x, "x", first.d_in)
        rows = x.reshape(-1, first.d_in)
        dtype = np.result_type(rows, first.weight)
        hidden = np.empty((len(rows), first.d_out), dtype=dtype)
        activated, out = np.empty_like(hidden), np.empty((len(rows), second.d_out), dtype=dtype)

        def network(start: int, stop: int) -> None:  # rows start .. stop through both layers
            block = slice(start, stop)
            np.matmul(rows[block], first.weight, out=hidden[block])
            hidden[block] += first.bias
            np.maximum(hidden[block], 0, out=activated[block])
            np.matmul(activated[block], second.weight, out=out[block])
            out[block] += second.bias

        split_product_rows(network, len(rows), 2 * rows.size * first.d_out)
        hidden, activated = (a.reshape(*x.shape[:-1], first.d_out) for a in (hidden, activated))
        first._cache, second._cache = x, activated
        self._cache = hidden
        self._trace = {"hidden": hidden, "activated": activated}
        return out.reshape(*x.shape[:-1], second.d_out)

    def _forward_layer_by_layer(self, x: np.ndarray) -> np.ndarray:
        """`forward` through the layers' own steps, ReLU over blocks of rows."""
        hidden = self.linear1.forward(x)
        rows = hidden.reshape(-1, hidden.shape[-1])
        activated = np.empty_like(hidden)
        activated_rows = activated.reshape(rows.shape)
        split_rows(lambda start, stop: np.maximum(rows[start:stop], 0, out=activated_rows[start:stop]),
                   len(rows), rows.size)
        self._cache = hidden
        self._trace = {"hidden": hidden, "activated": activated}
        return self.linear2.forward(activated)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_model) -> dx (..., d_model)."""
        second = self.linear2
        hidden = self._cache.reshape(-1, self._cache.shape[-1])
        if not self._fused():
            d_activated = second.backward(dout)
            grad = d_activated.reshape(hidden.shape)
            split_rows(lambda start, stop: np.multiply(grad[start:stop], hidden[start:stop] > 0, out=grad[start:stop]),
                       len(grad), grad.size)
            return self.linear1.backward(d_activated)
        d2 = dout.reshape(-1, second.d_out)
        activated = second._cache.reshape(hidden.shape)
        tokens, columns = d2.shape
        weight_grad = np.empty((second.d_in, columns), dtype=np.result_type(activated, d2))
        bias_grad = np.empty(columns, dtype=d2.dtype)
        firsts = [0, columns]
        d_hidden = np.empty_like(hidden)

        def through_second_layer(start: int, stop: int) -> None:  # rows start .. stop, the same share of columns
            first_column, stop_column = columns * start // tokens, columns * stop // tokens
            if first_column < stop_column:
                add_weight_gradient_columns((second,), firsts, activated, d2, weight_grad, bias_grad,
                                             first_column, stop_column)
            block = slice(start, stop)
            np.matmul(d2[block], second.weight.T, out=d_hidden[block])
            np.multiply(d_hidden[block], hidden[block] > 0, out=d_hidden[block])  # through ReLU

        split_product_rows(through_second_layer, tokens, 2 * activated.size * columns)
        (dx,) = backward_through((self.linear1,), d_hidden.reshape(self._cache.shape))
        return dx
