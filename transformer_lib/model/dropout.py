"""Dropout (드롭아웃): during training, zero each number with probability p and scale the others
by 1 / (1 - p), so that every number keeps its expected value; at evaluation, do nothing.

The paper (section 5.4, P_drop = 0.1) applies it to the sum of the embeddings and the
positional encoding, and to the output of every sublayer before it is added to the residual
stream; PyTorch's attention also applies it to the attention weights. A `Module` is in training
mode until ``model.eval()`` (``model.train()`` switches back), as in PyTorch."""

from __future__ import annotations

import numpy as np

from .module import Module
from .validation import check_dropout_probability


class Dropout(Module):
    """y = x * keep / (1 - p), with keep a fresh random 0/1 mask (1 with probability 1 - p) at
    every forward pass in training mode; y = x in evaluation mode or when p = 0.

    The mask is drawn by `draw_keep` from a generator of its own, spawned from `rng` (the
    generator that draws the weights; spawning leaves its draws unchanged, so a model's weights
    do not depend on p). Shapes: x (...) -> y (...). Trace in training mode with p > 0:
    ``keep`` (...) bool, True where the number survives."""

    overridable = ("forward", "backward", "draw_keep")  # replace `draw_keep` to feed chosen masks

    def __init__(self, p: float, rng: np.random.Generator):
        super().__init__()
        self.p = check_dropout_probability(p, "p")
        self.rng = rng.spawn(1)[0]

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (...) -> x with dropped numbers zeroed and the others divided by 1 - p (training),
        or x itself (evaluation, or p = 0)."""
        if not self.training or self.p == 0:
            self._cache, self._trace = None, {}
            return x
        keep = self.draw_keep(x.shape)
        multiplier = keep.astype(x.dtype) / (1 - self.p)  # 0 where dropped, 1 / (1 - p) where kept
        self._cache = multiplier
        self._trace = {"keep": keep}
        return x * multiplier

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (...) -> dx (...): the forward pass's mask times 1 / (1 - p), since y = x * that."""
        return dout if self._cache is None else dout * self._cache

    def draw_keep(self, shape: tuple[int, ...]) -> np.ndarray:
        """A fresh bool mask of `shape`, each entry True (kept) with probability 1 - p."""
        return self.rng.random(shape) >= self.p
