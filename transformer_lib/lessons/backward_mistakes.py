"""Backward passes with classic mistakes, to show that a gradient check catches them.

Each mistake is a derivation that forgets a path: layer norm treated as if its mean and
variance did not depend on the input, or the softmax differentiated as if each output depended
only on its own input (the diagonal of its Jacobian). `wrong_backward` swaps one of them into a
model for the length of a ``with`` block, through `Module.override`, the hook any function of
yours goes in by; the forward pass is untouched, so only the gradients are wrong, and only those
computed after the wrong step in the backward order."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext

import numpy as np

from ..model.attention import MultiHeadAttention
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
    x_hat, std = norm.trace()["normalized"], norm.trace()["std"]  # of the last forward pass
    d, grads = norm.d_model, norm.gradients()
    grads["gamma"] += (dout * x_hat).reshape(-1, d).sum(axis=0)
    grads["beta"] += dout.reshape(-1, d).sum(axis=0)
    return dout * norm.gamma / std


def softmax_backward_diagonal(dout: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """WRONG gradient through p = softmax(s), (..., n): p (1 - p) dout, only the diagonal
    dp_i/ds_i of the Jacobian; the right one also has dp_i/ds_j = -p_i p_j for j != i."""
    return probs * (1.0 - probs) * dout


def wrong_backward(model: Module, mistake: str) -> AbstractContextManager[Module]:
    """Within the ``with`` block, `model`'s backward makes `mistake` (a key of `MISTAKES`): every
    LayerNorm of the model uses `layer_norm_backward_without_statistics`, or every attention
    uses `softmax_backward_diagonal`. Restored on leaving the block, even after an error."""
    if mistake not in MISTAKES:
        raise ValueError(f"mistake must be one of {sorted(MISTAKES)}, got {mistake!r}")
    if mistake == "layer_norm":
        return model.override(LayerNorm, backward=layer_norm_backward_without_statistics)
    if mistake == "softmax_diagonal":
        return model.override(MultiHeadAttention, softmax_backward=softmax_backward_diagonal)
    return nullcontext(model)


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
