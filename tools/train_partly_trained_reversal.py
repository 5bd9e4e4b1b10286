"""Train chapter 13's partly trained reversal model (chapter 12's run, seed 0, stopped after 200
of its 800 steps) and write the weights the package ships
(transformer_lib/lessons/reversal_after_200_steps.npz), so that chapter 13 reads them instead of
training again.

    python tools/train_partly_trained_reversal.py

It trains on one BLAS thread, as chapter 13 did, and reports the held-out exact match of greedy
decoding and of beam search (width 4, length penalty 0.6), the counts chapter 13 discusses."""

from __future__ import annotations

import time

import numpy as np

from transformer_lib.lessons.reversal_training import (
    PARTLY_TRAINED_CHECKPOINT,
    greedy_and_beam_right,
    partly_trained_model,
    train_partly_trained,
)
from transformer_lib.training.checkpoint import save_weights


def main() -> None:
    start = time.perf_counter()
    run = train_partly_trained()
    seconds = time.perf_counter() - start
    save_weights(run.model, PARTLY_TRAINED_CHECKPOINT)
    loaded = partly_trained_model()
    same = all(np.array_equal(v, run.model.state_dict()[k]) for k, v in loaded.state_dict().items())
    held_out = run.task.held_out_batch()
    greedy_right, beam_right = greedy_and_beam_right(loaded, held_out)
    print(f"trained {len(run.log.losses)} steps in {seconds:.1f} s, last loss {run.log.losses[-1]:.4f}")
    print(f"wrote {PARTLY_TRAINED_CHECKPOINT.name} ({PARTLY_TRAINED_CHECKPOINT.stat().st_size} bytes); "
          f"{'identical' if same else 'DIFFERENT'} weights when loaded back")
    print(f"held-out exact match of {held_out.size}: greedy {greedy_right.sum()}, beam {beam_right.sum()}")


if __name__ == "__main__":
    main()
