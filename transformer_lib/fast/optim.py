"""`FastAdam`: Adam's update in place, over cache-sized blocks of the parameter buffers, with one
operation fewer than the textbook formula."""

from __future__ import annotations

import math

import numpy as np

from ..model.module import Module
from ..training.optim import Adam

_BLOCK = 65_536  # elements: a block of the arrays an update touches stays in the CPU's cache


class FastAdam(Adam):
    """`training.optim.Adam` with the same arguments, state (``m``, ``v``, ``t``) and numbers
    (up to rounding). Each buffer is updated block by block: an elementwise update run over one
    block reads each array from memory once instead of once per operation, and every temporary
    lives in one reused scratch block."""

    def __init__(self, model: Module, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        super().__init__(model, lr, betas, eps)
        self._scratch: dict[np.dtype, np.ndarray] = {}  # one block per dtype, reused: it stays in the CPU cache

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        self.t += 1
        for (p, g), m, v in zip(self.buffers, self.m, self.v, strict=True):
            for block in _cache_sized_blocks(p, g, m, v):
                self._update(*block, self._scratch_like(block[0]))

    def _scratch_like(self, a: np.ndarray) -> np.ndarray:
        """An uninitialised array of a's shape and dtype: a view of the reused scratch block when a
        fits in it."""
        if a.size > _BLOCK:
            return np.empty_like(a)
        if a.dtype not in self._scratch:
            self._scratch[a.dtype] = np.empty(_BLOCK, dtype=a.dtype)
        return self._scratch[a.dtype][:a.size].reshape(a.shape)

    def _update(self, p: np.ndarray, g: np.ndarray, m: np.ndarray, v: np.ndarray, s: np.ndarray) -> None:
        """One Adam update of the parameters p from the gradient g, written in place into p, the
        moments m and v, and the scratch array s (all of one shape)."""
        b1, b2 = self.betas
        correction1 = 1.0 - b1**self.t
        sqrt_correction2 = math.sqrt(1.0 - b2**self.t)
        m *= b1
        np.multiply(g, 1.0 - b1, out=s)
        m += s  # m <- b1 m + (1 - b1) g
        v *= b2
        np.multiply(g, g, out=s)
        s *= 1.0 - b2
        v += s  # v <- b2 v + (1 - b2) g^2
        # lr (m / c1) / (sqrt(v) / sqrt(c2) + eps) = (lr sqrt(c2) / c1) m / (sqrt(v) + eps sqrt(c2)),
        # with c1 = 1 - b1^t, c2 = 1 - b2^t: one operation fewer.
        np.sqrt(v, out=s)
        s += self.eps * sqrt_correction2
        np.divide(m, s, out=s)
        s *= self.lr * sqrt_correction2 / correction1
        p -= s  # p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)


def _cache_sized_blocks(*arrays: np.ndarray):
    """Matching blocks of `_BLOCK` elements of same-shaped contiguous arrays, as flat views (the
    arrays whole if one is not contiguous). An elementwise update run block by block reads each
    array from memory once instead of once per operation, and gives the same numbers."""
    if not all(a.flags.c_contiguous for a in arrays):
        yield arrays
        return
    flat = [a.reshape(-1) for a in arrays]
    for start in range(0, flat[0].size, _BLOCK):
        yield tuple(a[start:start + _BLOCK] for a in flat)
