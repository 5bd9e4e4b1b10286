"""Generation with the KV cache: the encoder runs once, the decoder takes one new token per step,
and a rule picks the next token from the last position's logits (the most probable one for
greedy decoding, a random draw for sampling)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..model.kv_cache import IncrementalDecoder
from ..model.transformer import Transformer

Pick = Callable[[np.ndarray], np.ndarray]  # logits (B, V) -> next ids (B,)


def most_probable(logits: np.ndarray) -> np.ndarray:
    """The greedy rule: logits (B, V) -> (B,) the id of each row's largest logit (the lowest id
    on a tie)."""
    return np.asarray(logits).argmax(axis=-1)


def check_decoding_arguments(model: Transformer, bos_id: int, eos_id: int | None, max_len: int) -> None:
    """Clear errors for a start or end id outside the target vocabulary, and for an output
    length the positional-encoding table cannot hold."""
    if not isinstance(model, Transformer):
        raise TypeError(f"model must be a Transformer, got {type(model).__name__}")
    vocab, rows = model.config.tgt_vocab_size, model.config.max_len
    for name, token in (("bos_id", bos_id), ("eos_id", eos_id)):
        if token is not None and not (isinstance(token, (int, np.integer)) and not isinstance(token, bool)
                                      and 0 <= token < vocab):
            raise ValueError(f"{name} must be a token id in [0, {vocab - 1}], got {token!r}")
    if isinstance(max_len, bool) or not isinstance(max_len, (int, np.integer)) or not 1 <= max_len <= rows:
        raise ValueError(f"max_len must be an integer in [1, {rows}] (the positional-encoding table has "
                         f"{rows} rows), got {max_len!r}")


def generate(model: Transformer, src, bos_id: int, max_len: int, eos_id: int | None = None,
             pick: Pick = most_probable, src_padding: np.ndarray | None = None) -> np.ndarray:
    """Write up to `max_len` tokens per source sentence, one per step, with a KV cache.

    src (B, Ts) ids -> (B, max_len) ids, without the start token. Each step feeds the last
    token (first `bos_id`) to an `IncrementalDecoder` and appends ``pick(logits)`` (B,). After
    a sequence emits `eos_id` it is filled with `eos_id`; decoding stops once every sequence
    has. With the default `pick` this is greedy decoding, equal to `greedy_decode`."""
    check_decoding_arguments(model, bos_id, eos_id, max_len)
    decoder = IncrementalDecoder(model, src, src_padding, capacity=max_len)
    batch = decoder.batch_size
    out = np.full((batch, max_len), -1 if eos_id is None else eos_id, dtype=np.int64)
    last = np.full(batch, bos_id, dtype=np.int64)
    done = np.zeros(batch, dtype=bool)
    for t in range(max_len):
        next_token = np.asarray(pick(decoder.step(last)), dtype=np.int64)
        if next_token.shape != (batch,):
            raise ValueError(f"pick returned shape {next_token.shape}, expected ({batch},): one id per sequence")
        if eos_id is not None:
            next_token = np.where(done, eos_id, next_token)
            done |= next_token == eos_id
        out[:, t] = last = next_token
        if done.all():
            break
    return out
