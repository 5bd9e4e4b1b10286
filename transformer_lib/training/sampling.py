"""Sampling (샘플링) the next token: reshape the output distribution with a temperature, keep only
the top-k tokens or the smallest set holding probability top-p (nucleus), then draw.

The three are applied in that order: the temperature divides the logits (below 1 sharpens the
distribution, above 1 flattens it), top-k keeps the k most probable tokens, top-p then keeps the
most probable tokens until their probabilities add up to at least p; after each cut what is
kept is renormalised to sum to 1."""

from __future__ import annotations

import numpy as np

from ..model.softmax import softmax
from ..model.transformer import Transformer
from .generation import generate


def check_sampling_arguments(vocab_size: int, temperature: float, top_k: int | None, top_p: float | None) -> None:
    """Clear errors for a temperature that is not a positive finite number, a top-k outside
    [1, vocab_size] and a top-p outside (0, 1]."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.integer, np.floating)) or not (
            np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"temperature must be a positive finite number (1 keeps the distribution), got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer))
                              or not 1 <= top_k <= vocab_size):
        raise ValueError(f"top_k must be None or an integer in [1, {vocab_size}] (the vocabulary size), got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float, np.integer, np.floating))
                              or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be None or a number in (0, 1] (1 keeps every token), got {top_p!r}")


def sampling_distribution(logits, temperature: float = 1.0, top_k: int | None = None,
                          top_p: float | None = None) -> np.ndarray:
    """The distribution a token is drawn from: logits (..., V) -> probabilities (..., V), each
    row summing to 1, zero outside the kept tokens.

    softmax(logits / temperature); then, with `top_k`, only the k largest (ties broken towards
    the lower id), renormalised; then, with `top_p`, only the most probable tokens up to the
    first whose cumulative probability reaches p (at least one token is always kept), renormalised."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim < 1 or logits.shape[-1] < 1:
        raise ValueError(f"logits must have shape (..., vocab_size), got shape {logits.shape}")
    check_sampling_arguments(logits.shape[-1], temperature, top_k, top_p)
    probs = softmax(logits / temperature)
    order = np.argsort(-probs, axis=-1, kind="stable")  # most probable first
    rank = np.argsort(order, axis=-1, kind="stable")  # each token's place in that order
    if top_k is not None:
        probs = _renormalised(np.where(rank < top_k, probs, 0.0))
    if top_p is not None and top_p < 1:  # 1 keeps every token, whatever the rounding of the sums
        sorted_probs = np.take_along_axis(probs, order, axis=-1)
        before = np.cumsum(sorted_probs, axis=-1) - sorted_probs  # probability of the tokens ranked above
        probs = _renormalised(np.where(np.take_along_axis(before < top_p, rank, axis=-1), probs, 0.0))
    return probs


def _renormalised(probs: np.ndarray) -> np.ndarray:
    return probs / probs.sum(axis=-1, keepdims=True)


def _generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, bool):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be a numpy Generator or an integer seed, got {type(rng).__name__}")


def draw(probs, rng) -> np.ndarray:
    """One id per row drawn from probs (..., V) (rows summing to 1) -> (...) int64, with
    `rng` a numpy Generator or a seed. A token of probability 0 is never drawn."""
    probs = np.asarray(probs, dtype=np.float64)
    cumulative = np.cumsum(probs, axis=-1)
    u = _generator(rng).random(probs.shape[:-1] + (1,)) * cumulative[..., -1:]  # uniform in [0, total)
    return np.minimum((cumulative <= u).sum(axis=-1), probs.shape[-1] - 1).astype(np.int64)


def sample_decode(model: Transformer, src, bos_id: int, max_len: int, rng, eos_id: int | None = None,
                  temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None) -> np.ndarray:
    """Generate by drawing every next token from `sampling_distribution` (with a KV cache).

    src (B, Ts) ids -> (B, max_len) ids, without the start token; after `eos_id` only `eos_id`.
    `rng` is a numpy Generator or an integer seed: the same seed gives the same sequences."""
    check_sampling_arguments(model.config.tgt_vocab_size, temperature, top_k, top_p)
    rng = _generator(rng)
    return generate(model, src, bos_id, max_len, eos_id,
                    pick=lambda logits: draw(sampling_distribution(logits, temperature, top_k, top_p), rng))
