"""Chapter 12's shipped run: tools/train_reversal_run.py trains it again and gets the shipped
checkpoint and record (up to the rounding of another processor, which hundreds of float32 steps
amplify), the record reads back as it was written, and the checkpoint resumes training."""

import numpy as np

import transformer_lib as tl
from transformer_lib.lessons import reversal
from transformer_lib.lessons.reversal_training import (
    RECORD_EVERY,
    TRAINED_CHECKPOINT,
    VALIDATION_STEPS,
    chapter_run,
    load_record,
    save_record,
)
from transformer_lib.training.decoding import greedy_decode


def shipped_model_and_optimizer():
    model = tl.Transformer(reversal.reversal_config(), seed=1)
    optimizer = tl.Adam(model, betas=reversal.ADAM_BETAS, eps=reversal.ADAM_EPS)
    tl.load_checkpoint(model, optimizer, TRAINED_CHECKPOINT)
    return model, optimizer


def test_the_shipped_run_is_what_its_script_trains():
    model, optimizer, _, task, run = chapter_run()
    shipped = load_record()
    shipped_model, shipped_optimizer = shipped_model_and_optimizer()
    assert len(run.log.losses) == len(shipped.log.losses) == reversal.TRAINING_STEPS
    assert run.log.learning_rates == shipped.log.learning_rates  # the schedule depends on the step alone
    np.testing.assert_allclose(run.log.losses[:100], shipped.log.losses[:100], rtol=0, atol=0.05)
    assert abs(np.mean(run.log.losses[-50:]) - np.mean(shipped.log.losses[-50:])) < 0.05
    assert run.snapshots.steps == shipped.snapshots.steps == list(range(0, reversal.TRAINING_STEPS + 1, RECORD_EVERY))
    np.testing.assert_array_equal(run.snapshots.src, shipped.snapshots.src)
    assert sorted(run.by_length_at) == sorted(shipped.by_length_at) == list(VALIDATION_STEPS)
    for step in VALIDATION_STEPS:
        np.testing.assert_allclose(run.by_length_at[step], shipped.by_length_at[step], rtol=0, atol=0.1, err_msg=step)
    assert shipped_optimizer.t == optimizer.t == reversal.TRAINING_STEPS
    test = task.test_batch()
    answers = [greedy_decode(m, test.src, reversal.BOS_ID, test.tgt_out.shape[1], reversal.EOS_ID)
               for m in (model, shipped_model)]
    assert np.all(answers[0] == answers[1], axis=1).mean() >= 0.98


def test_the_record_reads_back_as_written(tmp_path):
    *_, run = chapter_run(steps=RECORD_EVERY + 1)
    save_record(run, tmp_path / "record.npz")
    again = load_record(tmp_path / "record.npz")
    assert again.log.losses == run.log.losses and again.log.learning_rates == run.log.learning_rates
    assert again.snapshots.steps == run.snapshots.steps == [0, RECORD_EVERY]
    assert again.snapshots.losses == run.snapshots.losses
    for name, maps in run.snapshots.weights.items():
        np.testing.assert_array_equal(again.snapshots.stacked(name), np.stack(maps), err_msg=name)
    np.testing.assert_array_equal(np.stack(again.snapshots.predictions), np.stack(run.snapshots.predictions))
    assert again.by_length_at == {} == run.by_length_at and again.trained_on == set()
    assert len(run.trained_on) > 80 * RECORD_EVERY // 2  # distinct sequences of the batches trained on


def test_the_shipped_checkpoint_goes_on_training():
    model, optimizer = shipped_model_and_optimizer()
    before = {name: value.copy() for name, value in model.parameters().items()}
    task = reversal.ReversalTask(seed=0, batch_size=reversal.BATCH_SIZE)
    loss_fn = tl.CrossEntropyLoss(ignore_index=reversal.PAD_ID, label_smoothing=reversal.LABEL_SMOOTHING)
    optimizer.lr = tl.warmup_learning_rate(optimizer.t + 1, model.config.d_model, reversal.WARMUP_STEPS,
                                           reversal.LR_FACTOR)
    loss = tl.training.loop.train_step(model, optimizer, loss_fn, task.next_batch())
    assert optimizer.t == reversal.TRAINING_STEPS + 1 and loss < 1.0  # a trained model's loss, one step further
    assert any(not np.array_equal(before[name], value) for name, value in model.parameters().items())
