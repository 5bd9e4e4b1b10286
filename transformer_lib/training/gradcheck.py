"""Numerical gradient checking: centred finite differences, the relative error, and a check of a
layer's whole backward (inputs and parameters) against them."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model.module import Module


def zero_in_exact_arithmetic(name: str) -> bool:
    """True for a parameter whose true gradient is exactly 0, the bias of a key projection
    (W_k): it adds the same q . b_k to every score of a row, and softmax ignores that. Its
    computed gradient is rounding noise, so relative errors against another computation of it
    mean nothing; compare its size with 0 instead."""
    return name.endswith("w_k.bias")


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """dL/dx by centred differences (f(x + h) - f(x - h)) / 2h, one entry at a time.

    `f` takes no arguments and reads `x`, which is perturbed in place and restored.
    Returns an array shaped like `x`. Error O(h^2); use float64."""
    grad = np.zeros_like(x, dtype=np.float64)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f()
        x[i] = old - h
        minus = f()
        x[i] = old
        grad[i] = (plus - minus) / (2 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| / max(|a| + |b|), a scale-free distance between two arrays (0 when equal)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    denom = np.max(np.abs(a) + np.abs(b))
    return float(np.max(np.abs(a - b)) / denom) if denom > 0 else 0.0


def gradient_check(
    forward: Callable[..., np.ndarray],
    backward: Callable[[np.ndarray], np.ndarray | tuple[np.ndarray, ...] | None],
    inputs: dict[str, np.ndarray],
    module: Module | None = None,
    seed: int = 2017,
    h: float = 1e-6,
) -> dict[str, float]:
    """Relative error of a hand-written backward against centred differences, per input and per
    parameter, for the scalar loss L = sum(R * forward(*inputs)) with a fixed random R.

    `forward(*inputs)` returns an array of any shape; `backward(dout)` takes dL/d(output), of that
    shape, and returns dL/d(input) for each entry of `inputs` in order (a tuple, a single array
    for one input, or None when no input is differentiable, as for token ids). The parameters of
    `module`, if given, are checked too. Returns ``{input or parameter name: relative error}``;
    below about 1e-7 in float64 means the backward is right. R is drawn from `seed`, which
    should differ from the seed that drew the inputs: with R equal to the input, a layer norm's
    input gradient is nearly zero and its relative error only measures rounding.

    A gradient that is zero in exact arithmetic (e.g. the attention key projection's bias)
    shows rounding noise on both sides, so its relative error says nothing: compare its size."""
    arrays = list(inputs.values())
    r = np.random.default_rng(seed).standard_normal(np.shape(forward(*arrays)))

    def loss() -> float:
        return float((forward(*arrays) * r).sum())

    if module is not None:
        module.zero_grad()
    forward(*arrays)
    grads = backward(r)
    if grads is None:
        grads = ()
    elif not isinstance(grads, tuple):
        grads = (grads,)
    if len(grads) != len(arrays):
        raise ValueError(f"backward returned {len(grads)} input gradient(s), expected one per input ({len(arrays)})")
    errors = {name: relative_error(g, numerical_gradient(loss, x, h)) for name, x, g in zip(inputs, arrays, grads, strict=True)}
    if module is not None:
        analytic = {name: g.copy() for name, g in module.gradients().items()}
        for name, value in module.parameters().items():
            errors[name] = relative_error(analytic[name], numerical_gradient(loss, value, h))
    return errors
