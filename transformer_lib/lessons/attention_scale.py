"""Why attention divides the scores by sqrt(d_k) (스케일링): dot products of random vectors
spread out as d_k grows, and a softmax of widely spread scores is nearly one-hot, with almost
no gradient.

For q, k with independent entries of mean 0 and variance 1, q·k is a sum of d_k products of
variance 1, so var(q·k) = d_k and var(q·k / sqrt(d_k)) = 1 whatever d_k is."""

from __future__ import annotations

import numpy as np


def dot_product_samples(d_k: int, num_samples: int = 5000, seed: int = 0) -> np.ndarray:
    """`num_samples` dot products q·k of independent standard-normal vectors of length `d_k`.
    Returns shape (num_samples,)."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((num_samples, d_k))
    k = rng.standard_normal((num_samples, d_k))
    return np.einsum("nd,nd->n", q, k)


def softmax_jacobian(probs: np.ndarray) -> np.ndarray:
    """The Jacobian dp_i / dx_j = p_i (δ_ij - p_j) of p = softmax(x), from p. Shape (n,) -> (n, n)."""
    p = np.asarray(probs)
    return np.diag(p) - np.outer(p, p)


def random_scores(d_k: int, num_keys: int = 8, seed: int = 0) -> np.ndarray:
    """The raw scores q·k_j of one standard-normal query against `num_keys` standard-normal
    keys of length `d_k` (not yet divided by sqrt(d_k)). Shape (num_keys,)."""
    rng = np.random.default_rng(seed)
    q = rng.standard_normal(d_k)
    keys = rng.standard_normal((num_keys, d_k))
    return (keys * q).sum(axis=1)


def row_entropy(weights: np.ndarray) -> np.ndarray:
    """Entropy -Σ p log p of each row of `weights` (..., T) in nats (0 log 0 = 0): log T for a
    uniform row, 0 for a one-hot row. Shape (..., T) -> (...,)."""
    p = np.asarray(weights)
    return -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0)), 0.0), axis=-1)
