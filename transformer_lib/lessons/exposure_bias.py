"""Teacher forcing against generation (노출 편향, exposure bias): the same model scored two ways
on the same labelled batch.

Teacher forcing feeds the decoder the right previous tokens, as in training: position t's
prediction is judged after a correct prefix. Generation feeds the model its own previous
outputs: one mistake changes every later input, and the model never saw such prefixes while it
was trained. The gap between the two accuracies is the cost of that mismatch."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from ..training.generation import generate
from ..training.loop import Batch, exact_match


@dataclass(frozen=True)
class ForcedAndGenerated:
    """``loss``: teacher-forced cross-entropy; ``forced`` and ``generated`` (T,): the share of
    right tokens at each output position (over sequences with a label there); ``forced_total``
    and ``generated_total``: over all label tokens; ``exact_match``: the share of generated
    sequences right to the end."""

    loss: float
    forced: np.ndarray
    generated: np.ndarray
    forced_total: float
    generated_total: float
    exact_match: float


def forced_and_generated(model: Transformer, batch: Batch, bos_id: int, eos_id: int, pad_id: int) -> ForcedAndGenerated:
    """Score `model` on `batch` by teacher forcing and by greedy generation (KV cache)."""
    logits = model.forward(batch.src, batch.tgt_in)  # (B, T, V), the right prefix at every position
    loss = float(CrossEntropyLoss(ignore_index=pad_id).forward(logits, batch.tgt_out))
    written = generate(model, batch.src, bos_id, batch.tgt_out.shape[1], eos_id)  # its own prefix
    real = batch.tgt_out != pad_id
    forced_right = (logits.argmax(axis=-1) == batch.tgt_out) & real
    generated_right = (written == batch.tgt_out) & real
    per_position = real.sum(axis=0)
    return ForcedAndGenerated(
        loss=loss,
        forced=forced_right.sum(axis=0) / np.maximum(per_position, 1),
        generated=generated_right.sum(axis=0) / np.maximum(per_position, 1),
        forced_total=float(forced_right.sum() / real.sum()),
        generated_total=float(generated_right.sum() / real.sum()),
        exact_match=float(exact_match(written, batch.tgt_out, pad_id).mean()),
    )
