"""What one decoding step costs, with and without the KV cache: multiply-adds counted from the
shapes, and seconds measured step by step.

Without a cache, step t runs the whole decoder on the prefix of n = t + 1 tokens: every matrix
product grows with n, and self-attention's scores with n², so the cost of a step grows
quadratically with the prefix. With the cache, step t pushes one token through every layer and
attends to n cached keys: a constant part plus a part linear in n."""

from __future__ import annotations

import time

import numpy as np

from ..model.kv_cache import IncrementalDecoder
from ..model.transformer import Transformer, TransformerConfig


def decoder_step_multiply_adds(config: TransformerConfig, prefix_length: int, source_length: int,
                               cached: bool) -> dict[str, int]:
    """Multiply-adds of the decoder and the output layer for one sequence at the step whose
    prefix (start token included) has `prefix_length` tokens, over a source of
    `source_length` tokens. Matrix products only (softmax, norms, biases are not counted).

    Without the cache all n = prefix_length positions go through every layer, the memory's
    cross-attention keys and values are projected again, and logits are computed for every
    position; with it only the new position, attending to n cached keys. Returns the parts and
    their ``total``."""
    n, s, d, f, v = prefix_length, source_length, config.d_model, config.d_ff, config.tgt_vocab_size
    rows = n if not cached else 1  # positions pushed through the layers at this step
    layers = config.num_decoder_layers
    parts = {
        "self-attention projections": layers * 4 * rows * d * d,
        "self-attention scores and weights x V": layers * 2 * rows * n * d,
        "cross-attention projections": layers * (2 * rows * d * d + (0 if cached else 2 * s * d * d)),
        "cross-attention scores and weights x V": layers * 2 * rows * s * d,
        "feed-forward": layers * 2 * rows * d * f,
        "output layer": rows * d * v,
    }
    parts["total"] = sum(parts.values())
    return parts


def decoding_step_seconds(model: Transformer, src, length: int, cached: bool) -> np.ndarray:
    """Wall seconds of each of `length` greedy steps for the batch src (B, Ts) -> (length,).

    Cached: one `IncrementalDecoder.step` per step (the encoder's run is timed with step 1).
    Not cached: the encoder once, then the full decoder on the growing prefix each step, as
    `greedy_decode` does. Every sequence runs all `length` steps (no <eos>)."""
    src = np.asarray(src)
    batch = src.shape[0]
    seconds = np.zeros(length)
    last = np.zeros(batch, dtype=np.int64)  # start token id 0
    start = time.perf_counter()
    if cached:
        decoder = IncrementalDecoder(model, src, capacity=length)
        for t in range(length):
            last = decoder.step(last).argmax(axis=-1)
            seconds[t] = time.perf_counter() - start
            start = time.perf_counter()
        return seconds
    memory = model.encode(src)
    prefix = last[:, None]
    for t in range(length):
        logits = model.decode(prefix, memory, tgt_padding=np.zeros(prefix.shape, dtype=bool), src=src)
        prefix = np.concatenate([prefix, logits[:, -1].argmax(axis=-1)[:, None]], axis=1)
        seconds[t] = time.perf_counter() - start
        start = time.perf_counter()
    return seconds


def step_seconds_at(model: Transformer, src, prefix_lengths, cached: bool, repeats: int = 3) -> np.ndarray:
    """Wall seconds of the one decoding step whose prefix has n tokens, for each n of
    `prefix_lengths` (best of `repeats`), for the batch src (B, Ts) and random earlier tokens.

    Cached: an `IncrementalDecoder` is fed the first n - 1 tokens (not timed), then the step
    that reads token n is timed. Not cached: the full decoder on the n-token prefix is timed."""
    src = np.asarray(src)
    rng = np.random.default_rng(0)
    best = []
    for n in prefix_lengths:
        prefix = rng.integers(0, model.config.tgt_vocab_size, (src.shape[0], n))
        times = []
        for _ in range(repeats):
            if cached:
                decoder = IncrementalDecoder(model, src, capacity=n)
                for t in range(n - 1):
                    decoder.step(prefix[:, t])
                start = time.perf_counter()
                decoder.step(prefix[:, n - 1]).argmax(axis=-1)
            else:
                memory = model.encode(src)
                start = time.perf_counter()
                model.decode(prefix, memory, tgt_padding=np.zeros(prefix.shape, dtype=bool), src=src)[:, -1].argmax(axis=-1)
            times.append(time.perf_counter() - start)
        best.append(min(times))
    return np.array(best)
