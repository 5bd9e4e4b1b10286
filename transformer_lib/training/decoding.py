"""Generating output sequences from a trained model: greedy decoding and beam search.

Both are batched: every sequence of the batch (and every beam) advances in one decoder call per
step. The decoder is re-run on the whole prefix each step (no key/value cache), which keeps the
code short; at the textbook's sizes that costs little.

Padding while decoding. The source's padding mask comes from the source tokens (``pad_id``), as
in `Transformer.forward`. On the target side only what follows a finished sequence is padding:
the positions after its ``eos_id``, which merely fill the row. A ``pad_id`` the model itself
writes is an ordinary token: later steps attend to it, exactly as `Transformer.forward` does when
given that prefix with ``tgt_padding`` marking only the positions after ``eos_id``. So decoding
one step at a time by hand with `forward` gives the same tokens and the same scores."""

from __future__ import annotations

import numpy as np

from ..model.softmax import log_softmax
from ..model.transformer import Transformer


def _check_arguments(model: Transformer, src, bos_id: int, eos_id: int | None, max_len: int) -> np.ndarray:
    """src as (B, Ts) int64 after checking it and the start/end ids and the output length."""
    src = model.check_tokens(src, "src")
    vocab = model.config.tgt_vocab_size
    for name, token in (("bos_id", bos_id), ("eos_id", eos_id)):
        if token is not None and not (isinstance(token, (int, np.integer)) and 0 <= token < vocab):
            raise ValueError(f"{name} must be a token id in [0, {vocab - 1}], got {token!r}")
    if not isinstance(max_len, (int, np.integer)) or not 1 <= max_len <= model.config.max_len:
        raise ValueError(
            f"max_len must be an integer in [1, {model.config.max_len}] (the positional-encoding "
            f"table has {model.config.max_len} rows), got {max_len!r}"
        )
    return src


def padding_after_end(decoder_input: np.ndarray, eos_id: int | None) -> np.ndarray:
    """The target padding of decoding: (B, T) bool, True at the positions of `decoder_input`
    (B, T) (start token first) whose token comes after the first `eos_id` of the generated
    tokens; all False without `eos_id`. Never built from ``pad_id``: see the module's docstring."""
    start = np.zeros((len(decoder_input), 1), dtype=bool)
    return np.concatenate([start, _after_first(decoder_input[:, 1:], eos_id)], axis=1)


def _after_first(tokens: np.ndarray, eos_id: int | None) -> np.ndarray:
    """(B, T) bool, True where an earlier token of the row is `eos_id` (all False without one)."""
    if eos_id is None:
        return np.zeros(tokens.shape, dtype=bool)
    is_end = tokens == eos_id
    return np.cumsum(is_end, axis=1) - is_end > 0


def sequence_log_probability(model: Transformer, src, output, bos_id: int, eos_id: int | None = None) -> np.ndarray:
    """The score beam search ranks by: sum over t of log p(output[t] | src, output[:t]).

    src (B, Ts) ids, output (B, T) ids without the start token -> (B,) float64 scores. With
    `eos_id`, tokens after the first `eos_id` add nothing (a finished sequence keeps its score).
    A ``pad_id`` inside `output` is a token like any other (see the module's docstring)."""
    src = _check_arguments(model, src, bos_id, eos_id, 1)
    output = model.check_tokens(output, "tgt", name="output")
    if output.shape[0] != src.shape[0]:
        raise ValueError(f"output has shape {output.shape}, expected ({src.shape[0]}, length): one row per source")
    decoder_input = np.concatenate([np.full((output.shape[0], 1), bos_id), output[:, :-1]], axis=1)
    logits = model.forward(src, decoder_input, tgt_padding=padding_after_end(decoder_input, eos_id))
    logp = log_softmax(logits.astype(np.float64))  # (B, T, V)
    token_logp = np.take_along_axis(logp, output[..., None], axis=-1)[..., 0]  # (B, T)
    return np.where(_after_first(output, eos_id), 0.0, token_logp).sum(axis=1)


def greedy_decode(model: Transformer, src, bos_id: int, max_len: int, eos_id: int | None = None) -> np.ndarray:
    """Pick the most probable next token at every step.

    src (B, Ts) ids -> (B, max_len) ids, without the start token. After a sequence emits
    `eos_id` it keeps emitting `eos_id`; decoding stops early once every sequence has. A
    generated ``pad_id`` is an ordinary token (see the module's docstring)."""
    src = _check_arguments(model, src, bos_id, eos_id, max_len)
    src_padding = model.padding_mask(src)
    memory = model.encode(src, src_padding)
    ys = np.full((src.shape[0], 1), bos_id, dtype=np.int64)
    done = np.zeros(src.shape[0], dtype=bool)
    for _ in range(max_len):
        logits = model.decode(ys, memory, src_padding=src_padding, tgt_padding=padding_after_end(ys, eos_id))
        next_token = logits[:, -1].argmax(axis=-1)
        if eos_id is not None:
            next_token = np.where(done, eos_id, next_token)
            done |= next_token == eos_id
        ys = np.concatenate([ys, next_token[:, None]], axis=1)
        if done.all():
            break
    out = ys[:, 1:]
    if out.shape[1] < max_len:  # stopped early: every sequence has ended
        out = np.pad(out, ((0, 0), (0, max_len - out.shape[1])), constant_values=eos_id)
    return out


def beam_search(model: Transformer, src, bos_id: int, max_len: int, beam_width: int = 4,
                eos_id: int | None = None) -> np.ndarray:
    """Keep the `beam_width` most probable prefixes (by summed log-probability) at every step
    and return the best one. ``beam_width=1`` gives exactly `greedy_decode`.

    src (B, Ts) ids -> (B, max_len) ids, without the start token. A finished beam (it emitted
    `eos_id`) keeps its score and is extended by `eos_id` only. No length penalty. A generated
    ``pad_id`` is an ordinary token (see the module's docstring)."""
    if not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise ValueError(f"beam_width must be a positive integer, got {beam_width!r}")
    src = _check_arguments(model, src, bos_id, eos_id, max_len)
    batch, k, vocab = src.shape[0], beam_width, model.config.tgt_vocab_size
    src_padding = model.padding_mask(src)
    memory = model.encode(src, src_padding)
    memory = np.repeat(memory, k, axis=0)  # (B*k, Ts, d_model), beams of one sentence together
    if src_padding is not None:
        src_padding = np.repeat(src_padding, k, axis=0)
    ys = np.full((batch * k, 1), bos_id, dtype=np.int64)
    scores = np.full((batch, k), -np.inf)
    scores[:, 0] = 0.0  # at the start only one beam is alive
    done = np.zeros((batch, k), dtype=bool)
    for _ in range(max_len):
        logits = model.decode(ys, memory, src_padding=src_padding, tgt_padding=padding_after_end(ys, eos_id))
        logp = log_softmax(logits[:, -1].astype(np.float64)).reshape(batch, k, vocab)
        if eos_id is not None:
            finished_row = np.full(vocab, -np.inf)
            finished_row[eos_id] = 0.0
            logp = np.where(done[:, :, None], finished_row, logp)
        candidates = (scores[:, :, None] + logp).reshape(batch, k * vocab)
        best = np.argsort(-candidates, axis=1, kind="stable")[:, :k]  # (B, k); ties -> lowest id
        beam, token = best // vocab, best % vocab
        scores = np.take_along_axis(candidates, best, axis=1)
        rows = (np.arange(batch)[:, None] * k + beam).ravel()
        ys = np.concatenate([ys[rows], token.reshape(-1, 1)], axis=1)
        if eos_id is not None:
            done = np.take_along_axis(done, beam, axis=1) | (token == eos_id)
            if done.all():
                break
    best_beam = scores.argmax(axis=1)
    out = ys.reshape(batch, k, -1)[np.arange(batch), best_beam, 1:]
    if out.shape[1] < max_len:
        out = np.pad(out, ((0, 0), (0, max_len - out.shape[1])), constant_values=eos_id)
    return out
