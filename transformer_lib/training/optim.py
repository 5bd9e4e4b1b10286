"""Optimisers (SGD, Adam), the paper's warm-up learning-rate schedule, and gradient clipping.

An optimiser holds the model's live parameter and gradient arrays (``model.parameter_buffers()``)
and updates the parameters in place; set ``optimizer.lr`` before a step to follow a schedule."""

from __future__ import annotations

import math

import numpy as np

from ..model.module import Module


class SGD:
    """p <- p - lr * g, with optional momentum (as ``torch.optim.SGD``: v <- mu v + g; p <- p - lr v)."""

    def __init__(self, model: Module, lr: float, momentum: float = 0.0):
        self.buffers = model.parameter_buffers()
        self.lr, self.momentum = lr, momentum
        self.velocity = [np.zeros_like(p) for p, _ in self.buffers]

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        for (p, g), v in zip(self.buffers, self.velocity, strict=True):
            if self.momentum:
                v *= self.momentum
                v += g
                g = v
            p -= self.lr * g


class Adam:
    """Adam (Kingma and Ba, 2015) with bias correction, the same update as ``torch.optim.Adam``:

        m <- b1 m + (1 - b1) g;   v <- b2 v + (1 - b2) g^2
        p <- p - lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)

    The paper used b1 = 0.9, b2 = 0.98, eps = 1e-9."""

    def __init__(self, model: Module, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        self.buffers = model.parameter_buffers()
        self.lr, self.betas, self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p, _ in self.buffers]  # first moment per buffer
        self.v = [np.zeros_like(p) for p, _ in self.buffers]  # second moment per buffer
        self._scratch: dict[np.dtype, np.ndarray] = {}  # one block per dtype, reused: it stays in the CPU cache
        self.t = 0

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


_BLOCK = 65_536  # elements: a block of the arrays an update touches stays in the CPU's cache


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


def warmup_learning_rate(step: int, d_model: int, warmup_steps: int = 4000, factor: float = 1.0) -> float:
    """The paper's schedule (section 5.3), for steps counted from 1:

        lr = factor * d_model^-0.5 * min(step^-0.5, step * warmup_steps^-1.5)

    It rises linearly for `warmup_steps` steps, then decays as 1 / sqrt(step)."""
    if step < 1:
        raise ValueError(f"step counts from 1, got {step}")
    return factor * d_model**-0.5 * min(step**-0.5, step * warmup_steps**-1.5)


def clip_grad_norm(grads: dict[str, np.ndarray], max_norm: float) -> float:
    """Scale all gradients in place so their global L2 norm is at most `max_norm`, as
    ``torch.nn.utils.clip_grad_norm_`` (factor max_norm / (norm + 1e-6), capped at 1).
    Returns the norm before clipping."""
    total = float(np.sqrt(sum(float((g * g).sum()) for g in grads.values())))
    coef = max_norm / (total + 1e-6)
    if coef < 1.0:
        for g in grads.values():
            g *= coef
    return total
