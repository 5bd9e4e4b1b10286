"""Attention maps of one fixed example, recorded while a model trains, to watch them form.

`AttentionRecorder` is a training callback: every `every` steps it runs the model on the
example (teacher-forced, no update) and keeps the chosen attention weights from the trace, the
example's loss and the model's predictions. `AttentionSnapshots` is what it collected."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer


@dataclass
class AttentionSnapshots:
    """Snapshots of attention weights of one example, oldest first.

    src (Ts,), tgt_in (Tt,), tgt_out (Tt,): the example; steps (S,): the step after which each
    snapshot was taken (0 = before training); weights: trace name -> (S, h, Tq, Tk) array;
    losses (S,): the example's cross-entropy; predictions (S, Tt): the argmax token at every
    decoder position (teacher-forced)."""

    src: np.ndarray
    tgt_in: np.ndarray
    tgt_out: np.ndarray
    steps: list[int] = field(default_factory=list)
    weights: dict[str, list[np.ndarray]] = field(default_factory=dict)
    losses: list[float] = field(default_factory=list)
    predictions: list[np.ndarray] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.steps)

    def index(self, step: int) -> int:
        """Position of the last snapshot taken at or before `step` (the first one if none)."""
        return max(int(np.searchsorted(self.steps, step, side="right")) - 1, 0)

    def stacked(self, name: str) -> np.ndarray:
        """The weights recorded under `name` as one (S, h, Tq, Tk) array."""
        return np.stack(self.weights[name])


def cross_attention_names(model: Transformer) -> list[str]:
    """Trace names of the cross-attention weights of every decoder layer."""
    return [f"decoder.layers.{i}.cross_attn.weights" for i in range(model.config.num_decoder_layers)]


class AttentionRecorder:
    """Records `AttentionSnapshots` of `model` on one example (src (Ts,), tgt_in (Tt,),
    tgt_out (Tt,) ids, no padding) at step 0 and after every `every` steps. Use it as
    ``train(..., callback=recorder)``. `names` are trace names of attention weights (default:
    the cross-attention of every decoder layer)."""

    def __init__(self, model: Transformer, src, tgt_in, tgt_out, every: int, names: list[str] | None = None):
        if every < 1:
            raise ValueError(f"every must be a positive number of steps, got {every}")
        self.model, self.every = model, every
        self.names = names or cross_attention_names(model)
        self.snapshots = AttentionSnapshots(np.asarray(src), np.asarray(tgt_in), np.asarray(tgt_out))
        self.snapshots.weights = {name: [] for name in self.names}
        self.record(0)

    def record(self, step: int) -> None:
        """Run the example through the model now and append a snapshot labelled `step`."""
        s = self.snapshots
        logits = self.model.forward(s.src[None], s.tgt_in[None])  # (1, Tt, V)
        trace = self.model.trace()
        for name in self.names:
            s.weights[name].append(trace[name][0].copy())  # (h, Tq, Tk)
        s.steps.append(step)
        s.losses.append(CrossEntropyLoss().forward(logits.astype(np.float64), s.tgt_out[None]))
        s.predictions.append(logits[0].argmax(axis=-1))

    def __call__(self, step: int) -> None:
        if step % self.every == 0:
            self.record(step)
