"""Optimisers (SGD, Adam), the paper's warm-up learning-rate schedule, and gradient clipping.

An optimiser holds the model's live parameter and gradient arrays (``model.parameter_buffers()``)
and updates the parameters in place; set ``optimizer.lr`` before a step to follow a schedule."""

from __future__ import annotations

import numpy as np

from ..model.module import Module


class SGD:
    """p <- p - lr * g, with optional momentum (as ``torch.optim.SGD``: v <- mu v + g; p <- p - lr v)."""

    def __init__(self, model: Module, lr: float, momentum: float = 0.0):
        _check_at_least_zero(lr, "lr")
        _check_at_least_zero(momentum, "momentum")
        self.buffers = model.parameter_buffers()
        self.lr, self.momentum = lr, momentum
        self.velocity = [np.zeros_like(p) for p, _ in self.buffers]

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        for (p, g), v in zip(self.buffers, self.velocity, strict=True):
            if self.momentum:
                v[...] = self.momentum * v + g
                g = v
            p -= self.lr * g


class Adam:
    """Adam (Kingma and Ba, 2015) with bias correction, the same update as ``torch.optim.Adam``.
    The paper used b1 = 0.9, b2 = 0.98, eps = 1e-9."""

    def __init__(self, model: Module, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8):
        _check_at_least_zero(lr, "lr")
        _check_at_least_zero(eps, "eps")
        if not (isinstance(betas, (tuple, list)) and len(betas) == 2
                and all(_is_real(b) and 0.0 <= b < 1.0 for b in betas)):
            raise ValueError(f"betas must be two numbers in [0, 1), got {betas!r}: "
                             "1 - beta^t divides the update, and a beta of 1 makes it 0")
        self.buffers = model.parameter_buffers()
        self.lr, self.betas, self.eps = lr, betas, eps
        self.m = [np.zeros_like(p) for p, _ in self.buffers]  # first moment per buffer
        self.v = [np.zeros_like(p) for p, _ in self.buffers]  # second moment per buffer
        self.t = 0

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of what the next steps depend on besides the weights: the step count ``t``,
        the moments ``m.0``, ``v.0``, ... (one per parameter buffer) and the settings ``lr``,
        ``betas``, ``eps``. Without them a resumed run would restart Adam from m = v = 0 and
        t = 0: different steps from the uninterrupted run."""
        state = {"t": np.array(self.t), "lr": np.array(self.lr), "betas": np.array(self.betas),
                 "eps": np.array(self.eps)}
        for i, (m, v) in enumerate(zip(self.m, self.v, strict=True)):
            state[f"m.{i}"], state[f"v.{i}"] = m.copy(), v.copy()
        return state

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Continue from `state` (written by `state_dict`): moments copied into this optimiser's
        arrays, which must have the same shapes; a ValueError, with nothing changed, otherwise."""
        expected = {"t", "lr", "betas", "eps"} | {f"{k}.{i}" for i in range(len(self.m)) for k in "mv"}
        if set(state) != expected:
            raise ValueError(f"optimizer state does not fit this Adam: missing {sorted(expected - set(state))}, "
                             f"unexpected {sorted(set(state) - expected)}")
        for i, (m, v) in enumerate(zip(self.m, self.v, strict=True)):
            for name, mine in ((f"m.{i}", m), (f"v.{i}", v)):
                if np.shape(state[name]) != mine.shape:
                    raise ValueError(f"optimizer state {name!r} has shape {np.shape(state[name])}, expected {mine.shape}")
        for i, (m, v) in enumerate(zip(self.m, self.v, strict=True)):
            m[...], v[...] = state[f"m.{i}"], state[f"v.{i}"]
        self.t, self.lr, self.eps = int(state["t"]), float(state["lr"]), float(state["eps"])
        self.betas = tuple(float(b) for b in np.asarray(state["betas"]))

    def step(self) -> None:
        """Update every parameter once from its current gradient."""
        self.t += 1
        b1, b2 = self.betas
        for (p, g), m, v in zip(self.buffers, self.m, self.v, strict=True):
            m[...] = b1 * m + (1 - b1) * g  # running mean of the gradient
            v[...] = b2 * v + (1 - b2) * g**2  # running mean of its square
            m_hat = m / (1 - b1**self.t)  # bias corrections: m and v start at 0
            v_hat = v / (1 - b2**self.t)
            p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


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


def _is_real(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)


def _check_at_least_zero(value, name: str) -> None:
    """Raise unless `value` is a finite number >= 0 (as torch.optim refuses a negative lr)."""
    if not (_is_real(value) and 0.0 <= value < np.inf):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
