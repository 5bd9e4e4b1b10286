"""Beam search (빔 서치) with the GNMT length penalty, recording the whole search as a tree.

At every step each of the `beam_width` hypotheses kept so far is extended by every token of the
vocabulary, and the candidates are ranked by their summed log-probability log P(y | x):

- a candidate among the best `beam_width` that ends in <eos> is finished: it leaves the beam
  for the pool of finished hypotheses, scored by log P(y | x) / lp(|y|);
- the best `beam_width` candidates that do not end in <eos> are the next beam.

lp is the length penalty of Wu et al. (2016, "Google's Neural Machine Translation System"):
lp(|y|) = ((5 + |y|) / 6)^alpha, with |y| the number of tokens written, <eos> included. Summed
log-probabilities only fall as a sequence grows, so without it (alpha = 0) short outputs win;
alpha > 0 divides a longer output's (negative) sum by more. A search ends when no hypothesis
in the beam can still beat the best finished one (its sum can only fall, and lp is largest at
`max_len`), or after `max_len` tokens; hypotheses still in the beam then count as they are.

The search is written once, for any model that gives next-token log-probabilities through a
`next_log_probs(rows, tokens)` callable (see `transformer_scorer`), so a hand-made table of
probabilities runs through the same code as the Transformer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ..model.kv_cache import IncrementalDecoder
from ..model.softmax import log_softmax
from ..model.transformer import Transformer
from .generation import check_decoding_arguments

# next_log_probs(rows (N,), tokens (N,)) -> (N, V): extend row rows[i] of the previous call's
# output (on the first call: sentence rows[i] of the batch) by tokens[i], and return the
# log-probabilities of the token after it.
NextLogProbs = Callable[[np.ndarray, np.ndarray], np.ndarray]


def length_penalty(length, alpha: float):
    """GNMT's lp(|y|) = ((5 + |y|) / 6)^alpha; 1 at length 1 and for alpha = 0. Shapes (...) -> (...)."""
    return ((5.0 + np.asarray(length, dtype=np.float64)) / 6.0) ** alpha


def hypothesis_score(log_prob, length, alpha: float):
    """What beam search ranks finished hypotheses by: log P(y | x) / lp(|y|)."""
    return np.asarray(log_prob, dtype=np.float64) / length_penalty(length, alpha)


@dataclass(frozen=True)
class Finished:
    """A hypothesis that ended with <eos>: its `sentence` in the batch, the `step` (from 1) it
    finished at, the beam row `parent` it extended, its `tokens` (with <eos>), `log_prob`
    log P(y | x) and `score` log P(y | x) / lp(|y|)."""

    sentence: int
    step: int
    parent: int
    tokens: tuple[int, ...]
    log_prob: float
    score: float


@dataclass(frozen=True)
class BeamStep:
    """One step of the search for a batch of B sentences, beam width k, vocabulary V.

    ``candidates`` (B, k, V): log P of every beam hypothesis extended by every token (-inf where
    the beam had no hypothesis); ``parents`` (B, k) the beam row each kept hypothesis extends;
    ``tokens`` (B, k) the token it added; ``log_probs`` (B, k) its summed log-probability (-inf:
    no hypothesis in that row); ``finished``: the hypotheses that ended at this step."""

    candidates: np.ndarray
    parents: np.ndarray
    tokens: np.ndarray
    log_probs: np.ndarray
    finished: list[Finished] = field(default_factory=list)


@dataclass(frozen=True)
class BeamSearchResult:
    """The best output of every sentence and the search that found it.

    ``sequences`` (B, max_len) ids without the start token (after <eos>, <eos> again);
    ``lengths`` (B,) tokens written, <eos> included; ``log_probs`` (B,) their log P(y | x);
    ``scores`` (B,) log P / lp(length); ``steps`` one `BeamStep` per step taken."""

    sequences: np.ndarray
    lengths: np.ndarray
    log_probs: np.ndarray
    scores: np.ndarray
    steps: list[BeamStep]

    @property
    def finished(self) -> list[Finished]:
        """Every hypothesis that ended with <eos>, in the order they finished."""
        return [f for step in self.steps for f in step.finished]


def _check_search_arguments(beam_width: int, alpha: float) -> None:
    if isinstance(beam_width, bool) or not isinstance(beam_width, (int, np.integer)) or beam_width < 1:
        raise ValueError(f"beam_width must be a positive integer (1 keeps one hypothesis), got {beam_width!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float, np.integer, np.floating)) or not (
            np.isfinite(alpha) and alpha >= 0):
        raise ValueError(f"alpha must be a finite number >= 0 (0: no length penalty; the Transformer paper used 0.6), "
                         f"got {alpha!r}")


def run_beam_search(next_log_probs: NextLogProbs, batch_size: int, bos_id: int, max_len: int,
                    beam_width: int = 4, alpha: float = 0.0, eos_id: int | None = None) -> BeamSearchResult:
    """Beam search over any next-token model (see the module docstring for the rules).

    `next_log_probs` is called once per step with (rows, tokens), both (batch_size * beam_width,);
    rows of one sentence are together. With alpha = 0 and beam_width = 1 this is greedy decoding."""
    _check_search_arguments(beam_width, alpha)
    b, k = batch_size, beam_width
    log_probs = np.full((b, k), -np.inf)
    log_probs[:, 0] = 0.0  # one hypothesis (the start token alone) per sentence at first
    prefixes = np.zeros((b, k, 0), dtype=np.int64)
    rows = np.repeat(np.arange(b), k)
    tokens = np.full(b * k, bos_id, dtype=np.int64)
    best = [None] * b  # per sentence: (score, log_prob, tokens) of the best output so far
    done = np.zeros(b, dtype=bool)
    steps: list[BeamStep] = []
    for t in range(1, max_len + 1):
        step_log_probs = np.asarray(next_log_probs(rows, tokens), dtype=np.float64)
        vocab = step_log_probs.shape[-1]
        candidates = log_probs[:, :, None] + step_log_probs.reshape(b, k, vocab)  # (B, k, V)
        flat = candidates.reshape(b, k * vocab)
        finished = []
        if eos_id is not None:
            top = np.argsort(-flat, axis=1, kind="stable")[:, :k]  # the best k, <eos> or not
            for s, j in zip(*np.nonzero((top % vocab == eos_id) & np.isfinite(np.take_along_axis(flat, top, 1))),
                            strict=True):
                if done[s]:
                    continue
                parent = int(top[s, j] // vocab)
                log_prob = float(flat[s, top[s, j]])
                ended = Finished(int(s), t, parent, (*prefixes[s, parent].tolist(), eos_id), log_prob,
                                 float(hypothesis_score(log_prob, t, alpha)))
                finished.append(ended)
                if best[s] is None or ended.score > best[s][0]:
                    best[s] = (ended.score, log_prob, ended.tokens)
            flat = np.where(np.arange(k * vocab) % vocab == eos_id, -np.inf, flat)  # <eos> never stays in the beam
        kept = np.argsort(-flat, axis=1, kind="stable")[:, :k]  # (B, k); ties -> lower row, then lower id
        parents, new_tokens = kept // vocab, kept % vocab
        log_probs = np.take_along_axis(flat, kept, axis=1)
        log_probs[done] = -np.inf  # a finished sentence extends nothing
        prefixes = np.concatenate([np.take_along_axis(prefixes, parents[:, :, None], axis=1),
                                   new_tokens[:, :, None]], axis=2)
        steps.append(BeamStep(candidates, parents, new_tokens, log_probs.copy(), finished))
        # No extension of a beam hypothesis can score above its log P / lp(max_len) (log P <= 0).
        reachable = log_probs.max(axis=1) / length_penalty(max_len, alpha)
        done |= np.array([best[s] is not None and best[s][0] >= reachable[s] for s in range(b)])
        if done.all():
            break
        rows = (np.arange(b)[:, None] * k + parents).ravel()
        tokens = new_tokens.ravel()
    for s in np.flatnonzero(~done):  # the search reached max_len: the beam's hypotheses compete as they are
        j = int(np.argmax(log_probs[s]))
        score = float(hypothesis_score(log_probs[s, j], max_len, alpha))
        if np.isfinite(log_probs[s, j]) and (best[s] is None or score > best[s][0]):
            best[s] = (score, float(log_probs[s, j]), tuple(prefixes[s, j].tolist()))
    sequences = np.full((b, max_len), -1 if eos_id is None else eos_id, dtype=np.int64)
    lengths = np.zeros(b, dtype=np.int64)
    best = [(-np.inf, -np.inf, ()) if found is None else found for found in best]  # None: every candidate had P = 0
    for s, (_, _, found) in enumerate(best):
        sequences[s, : len(found)] = found
        lengths[s] = len(found)
    return BeamSearchResult(sequences, lengths, np.array([x[1] for x in best]), np.array([x[0] for x in best]), steps)


def transformer_scorer(model: Transformer, src, src_padding: np.ndarray | None = None,
                       capacity: int | None = None) -> NextLogProbs:
    """`next_log_probs` for `run_beam_search` from a Transformer and its source (B, Ts), with a
    KV cache: each call keeps the cache rows the beam continues, feeds the new tokens and
    returns the log-softmax of the new position's logits (float64)."""
    decoder = IncrementalDecoder(model, src, src_padding, capacity)

    def next_log_probs(rows: np.ndarray, tokens: np.ndarray) -> np.ndarray:
        decoder.select(rows)
        return log_softmax(decoder.step(tokens).astype(np.float64))

    return next_log_probs


def beam_decode(model: Transformer, src, bos_id: int, max_len: int, beam_width: int = 4, alpha: float = 0.0,
                eos_id: int | None = None, src_padding: np.ndarray | None = None) -> BeamSearchResult:
    """Beam search on a Transformer with a KV cache, a pool of finished hypotheses and the GNMT
    length penalty: src (B, Ts) ids -> a `BeamSearchResult` (``.sequences`` (B, max_len)).

    Unlike the short `beam_search` (no penalty, recomputes the prefix, a finished hypothesis
    keeps its place in the beam), the beam stays `beam_width` wide after some hypotheses end."""
    check_decoding_arguments(model, bos_id, eos_id, max_len)
    _check_search_arguments(beam_width, alpha)
    scorer = transformer_scorer(model, src, src_padding, capacity=max_len)
    batch = np.shape(src)[0]
    return run_beam_search(scorer, batch, bos_id, max_len, beam_width, alpha, eos_id)
