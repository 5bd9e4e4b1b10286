"""Backward passes with classic mistakes, to show that a gradient check catches them.

Each mistake is a derivation that forgets a path: layer norm treated as if its mean and
variance did not depend on the input, or the softmax differentiated as if each output depended
only on its own input (the diagonal of its Jacobian). `wrong_backward` swaps one of them into a
model for the length of a ``with`` block; the forward pass is untouched, so only the gradients
are wrong, and only those computed after the wrong step in the backward order."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ..model import attention
from ..model.layer_norm import LayerNorm
from ..model.loss import CrossEntropyLoss
from ..model.module import Module

MISTAKES: dict[str, str] = {
    "none": "the package's backward passes (correct)",
    "layer_norm": "layer norm without the mean and variance terms: dx = gamma * dout / std",
    "softmax_diagonal": "softmax with only the diagonal of its Jacobian: dS = P (1 - P) dP",
}


def layer_norm_backward_without_statistics(norm: LayerNorm, dout: np.ndarray) -> np.ndarray:
    """WRONG input gradient of layer norm, (..., d_model): gamma * dout / std, as if the mean
    and the standard deviation were constants. The gamma and beta gradients are still right."""
    x_hat, std = norm._cache
    d = norm.d_model
    norm._grads["gamma"] += (dout * x_hat).reshape(-1, d).sum(axis=0)
    norm._grads["beta"] += dout.reshape(-1, d).sum(axis=0)
    return dout * norm.gamma / std


def softmax_backward_diagonal(dout: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """WRONG gradient through p = softmax(s), (..., n): p (1 - p) dout, only the diagonal
    dp_i/ds_i of the Jacobian; the right one also has dp_i/ds_j = -p_i p_j for j != i."""
    return probs * (1.0 - probs) * dout


@contextmanager
def wrong_backward(model: Module, mistake: str) -> Iterator[Module]:
    """Within the block, `model`'s backward makes `mistake` (a key of `MISTAKES`): every
    LayerNorm of the model uses `layer_norm_backward_without_statistics`, or every attention
    uses `softmax_backward_diagonal`. Restored on leaving the block, even after an error."""
    if mistake not in MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(MISTAKES)}, got {mistake!r}")
    norms = [m for _, m in model.named_modules() if isinstance(m, LayerNorm)] if mistake == "layer_norm" else []
    original_softmax_backward = attention.softmax_backward
    try:
        for norm in norms:
            norm.backward = lambda dout, norm=norm: layer_norm_backward_without_statistics(norm, dout)
        if mistake == "softmax_diagonal":
            attention.softmax_backward = softmax_backward_diagonal
        yield model
    finally:
        for norm in norms:
            del norm.backward
        attention.softmax_backward = original_softmax_backward


def loss_gradients(model: Module, src, tgt_input, target, mistake: str = "none") -> dict[str, np.ndarray]:
    """Every parameter's gradient of the mean cross-entropy of ``model.forward(src, tgt_input)``
    against `target`, by backpropagation with `mistake` (``"none"``: the package's own). Arrays
    (B, T) of token ids in; a dict of copies named like ``model.parameters()`` out."""
    criterion = CrossEntropyLoss()
    criterion.forward(model.forward(src, tgt_input), target)
    model.zero_grad()
    with wrong_backward(model, mistake):
        model.backward(criterion.backward())
    return {name: grad.copy() for name, grad in model.gradients().items()}
