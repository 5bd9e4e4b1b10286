"""Train chapter 12's reversal run (seed 0, 800 steps, one BLAS thread) exactly as the chapter's
training loop does (`lessons.reversal_training.record_training`) and write the two files the
package ships, which the chapter loads after training its first steps live:

- transformer_lib/lessons/reversal_after_800_steps.npz: the checkpoint after step 800
  (`save_checkpoint`: the weights and Adam's state, so that training can go on);
- transformer_lib/lessons/reversal_run_record.npz: what the run recorded on the way (the loss
  and learning rate of every step, the example's cross-attention every 20 steps, the validation
  set's exact match per length after steps 100, 200 and 400).

    python tools/train_reversal_run.py

It prints the numbers the chapter discusses, for comparison with the chapter's outputs."""

from __future__ import annotations

import time

import numpy as np

from transformer_lib.lessons import reversal
from transformer_lib.lessons.reversal_training import TRAINED_CHECKPOINT, TRAINED_RECORD, chapter_run, save_record
from transformer_lib.training.checkpoint import save_checkpoint
from transformer_lib.training.decoding import greedy_decode
from transformer_lib.training.loop import exact_match


def main() -> None:
    start = time.perf_counter()
    model, optimizer, _, task, run = chapter_run(progress=True)
    seconds = time.perf_counter() - start
    save_checkpoint(model, optimizer, TRAINED_CHECKPOINT)
    save_record(run, TRAINED_RECORD)
    test = task.test_batch()
    right = exact_match(greedy_decode(model, test.src, reversal.BOS_ID, test.tgt_out.shape[1], reversal.EOS_ID),
                        test.tgt_out, reversal.PAD_ID)
    print(f"trained {len(run.log.losses)} steps in {seconds:.1f} s; mean loss of the first 50 steps "
          f"{np.mean(run.log.losses[:50]):.4f}, of the last 50 {np.mean(run.log.losses[-50:]):.4f}")
    for step, accuracy in run.by_length_at.items():
        print(f"validation exact match per length after step {step}: " + " ".join(f"{a:.1%}" for a in accuracy))
    print(f"test exact match {right.sum()} of {len(right)}")
    print(f"wrote {TRAINED_CHECKPOINT.name} ({TRAINED_CHECKPOINT.stat().st_size:,} bytes) and "
          f"{TRAINED_RECORD.name} ({TRAINED_RECORD.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
