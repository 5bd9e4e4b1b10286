"""Chapter 12's reversal run, repeated for later chapters: the same task, model and recipe (Adam
with β2 = 0.999, the paper's warm-up over 200 steps with factor 0.5, batches of 80), and copies
of the weights at chosen steps, so that a partly trained model (whose next-token distributions
still leave room for choice) can be compared with the trained one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from ..training.loop import TrainingLog, train
from ..training.optim import Adam
from .reversal import PAD_ID, ReversalTask, reversal_config

STEPS, WARMUP_STEPS, LR_FACTOR, BETAS, EPS = 800, 200, 0.5, (0.9, 0.999), 1e-9


@dataclass
class ReversalRun:
    """A trained reversal model, its task (with the held-out set), the training log, and the
    weights at each step of ``weights_at`` (dotted name -> array)."""

    model: Transformer
    task: ReversalTask
    log: TrainingLog
    weights_at: dict[int, dict[str, np.ndarray]]

    def model_at(self, step: int, dtype: str | None = None) -> Transformer:
        """A new model holding the weights kept at `step` (in `dtype`, default the run's)."""
        if step not in self.weights_at:
            raise ValueError(f"no weights kept at step {step}; kept: {sorted(self.weights_at)}")
        config = self.model.config if dtype is None else reversal_config(dtype=dtype,
                                                                          norm_first=self.model.config.norm_first)
        model = Transformer(config, seed=0)
        model.load_state_dict(self.weights_at[step])
        return model


def train_reversal(steps: int = STEPS, seed: int = 0, keep: tuple[int, ...] = (), progress: bool = False) -> ReversalRun:
    """Train chapter 12's reversal model (weights and task drawn from `seed`) for `steps` steps,
    keeping a copy of the weights after each step in `keep` and after the last."""
    if any(not 1 <= s <= steps for s in keep):
        raise ValueError(f"keep must hold steps in [1, {steps}], got {keep!r}")
    task = ReversalTask(seed=seed, batch_size=80, held_out_size=500)
    model = Transformer(reversal_config(), seed=seed)
    optimizer = Adam(model, betas=BETAS, eps=EPS)
    weights_at: dict[int, dict[str, np.ndarray]] = {}

    def remember(step: int) -> None:
        if step in keep or step == steps:
            weights_at[step] = {name: value.copy() for name, value in model.parameters().items()}

    log = train(model, optimizer, CrossEntropyLoss(ignore_index=PAD_ID), task.next_batch, steps,
                warmup_steps=WARMUP_STEPS, factor=LR_FACTOR, callback=remember, progress=progress)
    return ReversalRun(model, task, log, weights_at)
