"""`FastAdam`: Adam's update in place, over cache-sized blocks of the parameter buffers (the blocks
shared out between threads), with one operation fewer than the textbook formula."""

from __future__ import annotations

import math

import numpy as np

from ..training.optim import Adam
from .parallel import split_rows

_BLOCK = 65_536  # elements: a block of the arrays an update touches stays in the CPU's cache


class FastAdam(Adam):
    """`training.optim.Adam` with the same arguments, state (``m``, ``v``, ``t``) and numbers
    (up to rounding). Each buffer is updated block by block: an elementwise update run over one
    block reads each array from memory once instead of once per operation, and every temporary
    lives in one scratch block. With several threads (`split_rows`), each takes its share of
    the blocks, with a scratch block of its own."""

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        self.t += 1
        for arrays in zip((p for p, _ in self.buffers), (g for _, g in self.buffers), self.m, self.v, strict=True):
            if not all(a.flags.c_contiguous for a in arrays):  # no flat view: the arrays whole
                self._update(*arrays, np.empty_like(arrays[0]))
                continue
            flat = [a.reshape(-1) for a in arrays]
            block = _BLOCK
            blocks = -(-flat[0].size // block)

            def update_blocks(first: int, stop: int, flat=flat, block=block) -> None:  # blocks first .. stop
                scratch = np.empty(min(block, flat[0].size), dtype=flat[0].dtype)
                for start in range(first * block, min(stop * block, flat[0].size), block):
                    part = [a[start:start + block] for a in flat]
                    self._update(*part, scratch[:part[0].size])

            split_rows(update_blocks, blocks, flat[0].size)

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

