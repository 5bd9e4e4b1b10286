"""Training a Transformer: padded batches for teacher forcing, one optimisation step, the loop
with the paper's warm-up schedule, and exact-match accuracy of decoded sequences.

A step is always the same four moves: forward pass to logits, cross-entropy against the labels,
backward pass into every parameter's gradient, optimiser update."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from .optim import warmup_learning_rate


@dataclass(frozen=True)
class Batch:
    """One padded training batch.

    src (B, Ts) source ids; tgt_in (B, Tt) decoder input ids (<bos> then the target);
    tgt_out (B, Tt) labels (the target then <eos>), so ``tgt_in[:, t + 1] == tgt_out[:, t]``
    wherever both are real tokens. Every row is padded on the right with the pad id."""

    src: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray

    @property
    def size(self) -> int:
        """Number of sequences B."""
        return self.src.shape[0]


def pad_sequences(sequences: Sequence[Sequence[int]], pad_id: int, length: int | None = None) -> np.ndarray:
    """Id sequences of different lengths -> (N, length) int64 array, padded on the right with
    `pad_id`. `length` defaults to the longest sequence."""
    longest = max((len(s) for s in sequences), default=0)
    length = longest if length is None else length
    if longest > length:
        raise ValueError(f"a sequence has {longest} tokens, more than length={length}")
    out = np.full((len(sequences), length), pad_id, dtype=np.int64)
    for row, seq in zip(out, sequences, strict=True):
        row[: len(seq)] = seq
    return out


def make_batch(sources: Sequence[Sequence[int]], targets: Sequence[Sequence[int]], pad_id: int, bos_id: int,
               eos_id: int) -> Batch:
    """Source and target id sequences (without special tokens) -> a `Batch` for teacher forcing:
    decoder input ``<bos> y_1 .. y_n``, labels ``y_1 .. y_n <eos>``, both of length n + 1,
    padded to the longest target in the batch; sources padded to the longest source."""
    if len(sources) != len(targets):
        raise ValueError(f"{len(sources)} sources but {len(targets)} targets")
    src = pad_sequences(sources, pad_id)
    tgt_in = pad_sequences([[bos_id, *t] for t in targets], pad_id)
    tgt_out = pad_sequences([[*t, eos_id] for t in targets], pad_id)
    return Batch(src, tgt_in, tgt_out)


def train_step(model: Transformer, optimizer, loss_fn: CrossEntropyLoss, batch: Batch) -> float:
    """One optimisation step on `batch`: forward, loss, backward, update. Returns the loss
    (mean cross-entropy over the non-padding labels) before the update."""
    logits = model.forward(batch.src, batch.tgt_in)  # (B, Tt, V)
    loss = loss_fn.forward(logits, batch.tgt_out)
    model.zero_grad()
    model.backward(loss_fn.backward())
    optimizer.step()
    return loss


@dataclass
class TrainingLog:
    """What `train` records: the loss and learning rate of every step (steps count from 1)."""

    losses: list[float] = field(default_factory=list)
    learning_rates: list[float] = field(default_factory=list)


def train(model: Transformer, optimizer, loss_fn: CrossEntropyLoss, next_batch: Callable[[], Batch], steps: int,
          warmup_steps: int | None = None, factor: float = 1.0, callback: Callable[[int], None] | None = None,
          progress: bool = False) -> TrainingLog:
    """Run `steps` steps of `train_step` on batches from `next_batch()`.

    With `warmup_steps`, the optimiser's ``lr`` is set before step s (from 1) to
    ``warmup_learning_rate(s, d_model, warmup_steps, factor)``; without it ``lr`` stays as is.
    ``callback(s)`` runs after step s (e.g. to record attention maps). `progress` shows a
    tqdm progress bar."""
    log = TrainingLog()
    counter = range(1, steps + 1)
    if progress:
        from tqdm.auto import tqdm

        counter = tqdm(counter, desc="training", unit="step")
    for step in counter:
        if warmup_steps is not None:
            optimizer.lr = warmup_learning_rate(step, model.config.d_model, warmup_steps, factor)
        log.learning_rates.append(float(optimizer.lr))
        log.losses.append(train_step(model, optimizer, loss_fn, next_batch()))
        if callback is not None:
            callback(step)
    return log


def exact_match(predictions, labels, pad_id: int) -> np.ndarray:
    """Per sequence, whether every label token was predicted (the <eos> included).

    predictions (B, T') decoded ids, labels (B, T) ids padded with `pad_id` after <eos>;
    positions beyond the labels' <eos> are not compared. Returns (B,) bool. A prediction shorter
    than its labels counts as wrong."""
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if predictions.ndim != 2 or labels.ndim != 2 or predictions.shape[0] != labels.shape[0]:
        raise ValueError(f"predictions {predictions.shape} and labels {labels.shape} must be (B, T) with the same B")
    t = labels.shape[1]
    if predictions.shape[1] < t:
        fill = np.full((predictions.shape[0], t - predictions.shape[1]), -1, dtype=np.int64)
        predictions = np.concatenate([predictions, fill], axis=1)
    real = labels != pad_id
    return np.all((predictions[:, :t] == labels) | ~real, axis=1)
