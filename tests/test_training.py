"""Training pieces: padded batches, one step, the loop and its schedule, exact match, the
reversal task (disjoint held-out set), attention snapshots, and the step-by-step agreement with
PyTorch. Tiny models and a few steps only."""

from dataclasses import replace

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import reversal as rv
from transformer_lib import toy
from transformer_lib.lessons.snapshots import AttentionRecorder, cross_attention_names
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic
from transformer_lib.training.loop import exact_match, make_batch, pad_sequences, train, train_step


def tiny_reversal_model(seed=0, dtype="float64"):
    config = replace(rv.reversal_config(dtype), d_model=8, num_heads=2, d_ff=16, num_encoder_layers=1)
    return tl.Transformer(config, seed=seed)


def test_pad_sequences():
    out = pad_sequences([[3, 4], [5], []], pad_id=0)
    np.testing.assert_array_equal(out, [[3, 4], [5, 0], [0, 0]])
    assert out.dtype == np.int64
    assert pad_sequences([[3]], pad_id=1, length=3).tolist() == [[3, 1, 1]]
    with pytest.raises(ValueError, match="more than length"):
        pad_sequences([[3, 4, 5]], pad_id=0, length=2)


def test_make_batch_shifts_the_target_behind_bos():
    batch = make_batch([[5, 8, 9], [7]], [[0, 6, 3], [10, 3]], pad_id=1, bos_id=2, eos_id=4)
    np.testing.assert_array_equal(batch.src, [[5, 8, 9], [7, 1, 1]])
    np.testing.assert_array_equal(batch.tgt_in, [[2, 0, 6, 3], [2, 10, 3, 1]])
    np.testing.assert_array_equal(batch.tgt_out, [[0, 6, 3, 4], [10, 3, 4, 1]])
    real = (batch.tgt_in[:, 1:] != 1) & (batch.tgt_out[:, :-1] != 1)
    np.testing.assert_array_equal(batch.tgt_in[:, 1:][real], batch.tgt_out[:, :-1][real])
    assert batch.size == 2
    with pytest.raises(ValueError, match="2 sources but 1 targets"):
        make_batch([[5], [6]], [[0]], 1, 2, 4)


def test_train_step_returns_the_loss_before_the_update_and_updates_every_used_weight():
    model = toy.toy_model(seed=0)
    batch = make_batch([toy.SOURCE_IDS], [toy.TARGET_IDS], toy.PAD_ID, toy.BOS_ID, toy.EOS_ID)
    loss_fn = tl.CrossEntropyLoss(ignore_index=toy.PAD_ID)
    expected = loss_fn.forward(model.forward(batch.src, batch.tgt_in), batch.tgt_out)
    before = model.state_dict()
    loss = train_step(model, tl.Adam(model, lr=0.01), loss_fn, batch)
    assert loss == expected
    moved = {name for name, value in model.parameters().items() if not np.array_equal(value, before[name])}
    assert "generator.weight" in moved and "encoder.layers.0.ffn.linear1.weight" in moved
    unused = np.setdiff1d(np.arange(11), batch.src)  # embedding rows of tokens not in the source
    np.testing.assert_array_equal(model.src_embed.weight[unused], before["src_embed.weight"][unused])


def test_repeated_steps_on_one_batch_drive_the_loss_down():
    model = toy.toy_model(seed=0)
    batch = make_batch([toy.SOURCE_IDS], [toy.TARGET_IDS], toy.PAD_ID, toy.BOS_ID, toy.EOS_ID)
    log = train(model, tl.Adam(model, lr=0.01), tl.CrossEntropyLoss(), lambda: batch, steps=40)
    assert len(log.losses) == 40 and log.losses[-1] < 0.2 * log.losses[0]
    np.testing.assert_array_equal(tl.greedy_decode(model, toy.SOURCE_IDS[None], toy.BOS_ID, 4, toy.EOS_ID),
                                  [[*toy.TARGET_IDS, toy.EOS_ID]])


def test_train_follows_the_warmup_schedule_and_calls_back_after_every_step():
    model = tiny_reversal_model()
    task = rv.ReversalTask(seed=0, batch_size=4, validation_size=5, test_size=5)
    optimizer = tl.Adam(model)
    seen = []
    log = train(model, optimizer, tl.CrossEntropyLoss(ignore_index=rv.PAD_ID), task.next_batch, steps=5,
                warmup_steps=3, factor=2.0, callback=seen.append)
    assert seen == [1, 2, 3, 4, 5]
    expected = [tl.warmup_learning_rate(s, 8, 3, 2.0) for s in range(1, 6)]
    np.testing.assert_allclose(log.learning_rates, expected, rtol=1e-15)
    assert optimizer.lr == expected[-1] and np.argmax(log.learning_rates) == 2  # peak at the last warm-up step
    assert task.sequences_drawn == 20


def test_exact_match():
    labels = np.array([[5, 4, 2, 0], [6, 2, 0, 0], [7, 8, 9, 2]])
    assert exact_match([[5, 4, 2, 2], [6, 2, 9, 9], [7, 8, 9, 2]], labels, 0).tolist() == [True, True, True]
    assert exact_match([[5, 4, 3, 2], [6, 6, 2, 2], [7, 8, 9, 3]], labels, 0).tolist() == [False, False, False]
    assert exact_match([[5, 4, 2], [6, 2, 2], [7, 8, 9]], labels, 0).tolist() == [True, True, False]  # too short
    with pytest.raises(ValueError, match="same B"):
        exact_match([[5, 4, 2, 2]], labels, 0)


def test_reverse_contents_and_the_batch_agree_with_plain_python():
    rng = np.random.default_rng(1)
    contents = rv.random_contents(rng, 50)
    lengths = rv.lengths_of(contents)
    assert contents.shape == (50, rv.MAX_LENGTH)
    assert lengths.min() >= rv.MIN_LENGTH and lengths.max() <= rv.MAX_LENGTH
    rows = [list(c[:n]) for c, n in zip(contents, lengths, strict=True)]
    assert all(min(r) >= rv.FIRST_CONTENT_ID for r in rows)  # no special token is ever content
    batch = rv.reversal_batch(contents)
    plain = make_batch(rows, [r[::-1] for r in rows], rv.PAD_ID, rv.BOS_ID, rv.EOS_ID)
    np.testing.assert_array_equal(batch.tgt_in, pad_sequences(plain.tgt_in, rv.PAD_ID, rv.MAX_LENGTH + 1))
    np.testing.assert_array_equal(batch.tgt_out, pad_sequences(plain.tgt_out, rv.PAD_ID, rv.MAX_LENGTH + 1))
    np.testing.assert_array_equal(batch.src, pad_sequences([[*r, rv.EOS_ID] for r in rows], rv.PAD_ID))
    np.testing.assert_array_equal(rv.reverse_contents(rv.reverse_contents(contents)), contents)


def test_mirrored_positions():
    np.testing.assert_array_equal(rv.mirrored_positions(3), [2, 1, 0])
    batch = rv.reversal_batch(np.array([[3, 4, 5, 0]]))
    # decoder position t must output the source token at mirrored_positions[t]
    np.testing.assert_array_equal(batch.src[0, rv.mirrored_positions(3)], batch.tgt_out[0, :3])


def test_example_is_one_unpadded_row_of_a_batch():
    src, tgt_in, tgt_out = rv.example([5, 3, 10, 7, 0, 0])
    np.testing.assert_array_equal(src, [5, 3, 10, 7, rv.EOS_ID])
    np.testing.assert_array_equal(tgt_in, [rv.BOS_ID, 7, 10, 3, 5])
    np.testing.assert_array_equal(tgt_out, [7, 10, 3, 5, rv.EOS_ID])


def test_validation_and_test_sets_are_distinct_disjoint_and_never_trained_on():
    task = rv.ReversalTask(seed=3, batch_size=64, validation_size=200, test_size=100, max_length=4)  # few sequences
    validation, test = {tuple(row) for row in task.validation}, {tuple(row) for row in task.test}
    assert len(validation) == 200 and len(test) == 100 and not validation & test
    assert task.is_held_out(task.validation).all() and task.is_held_out(task.test).all()
    for _ in range(30):
        contents = task.next_contents()
        assert not task.is_held_out(contents).any()
        assert not {tuple(row) for row in contents} & (validation | test)
    assert task.validation_batch().size == 200 and task.test_batch().size == 100
    np.testing.assert_array_equal(task.held_out_batch().src, task.validation_batch().src)


@pytest.mark.parametrize("sizes", [dict(validation_size=0), dict(test_size=-1), dict(test_size=2.5)])
def test_held_out_set_sizes_must_be_positive_integers(sizes):
    with pytest.raises(ValueError, match="_size must be a positive integer"):
        rv.ReversalTask(**sizes)


def test_the_task_is_reproducible_from_its_seed():
    a, b = rv.ReversalTask(seed=5, validation_size=20, test_size=20), rv.ReversalTask(seed=5, validation_size=20, test_size=20)
    np.testing.assert_array_equal(a.held_out, b.held_out)
    for _ in range(3):
        np.testing.assert_array_equal(a.next_batch().src, b.next_batch().src)
    assert not np.array_equal(rv.ReversalTask(seed=6, validation_size=20, test_size=20).held_out, a.held_out)


def test_recorder_takes_a_snapshot_at_step_0_and_every_k_steps():
    model = tiny_reversal_model()
    task = rv.ReversalTask(seed=0, batch_size=8, validation_size=5, test_size=5)
    example = rv.reversal_batch(task.held_out[:1])
    n = int(rv.lengths_of(task.held_out[:1])[0])
    recorder = AttentionRecorder(model, example.src[0, :n + 1], example.tgt_in[0, :n + 1], example.tgt_out[0, :n + 1],
                                 every=3)
    train(model, tl.Adam(model, lr=0.01), tl.CrossEntropyLoss(ignore_index=rv.PAD_ID), task.next_batch, steps=7,
          callback=recorder)
    snaps = recorder.snapshots
    assert snaps.steps == [0, 3, 6] and len(snaps) == 3 and len(snaps.losses) == 3
    assert list(snaps.weights) == cross_attention_names(model) == ["decoder.layers.0.cross_attn.weights",
                                                                   "decoder.layers.1.cross_attn.weights"]
    maps = snaps.stacked("decoder.layers.1.cross_attn.weights")
    assert maps.shape == (3, 2, n + 1, n + 1)
    np.testing.assert_allclose(maps.sum(axis=-1), 1.0, atol=1e-12)
    assert not np.allclose(maps[0], maps[-1])
    assert [snaps.index(s) for s in (0, 2, 3, 5, 6, 100)] == [0, 0, 1, 1, 2, 2]
    recorder.record(7)  # the model now, after step 7: the snapshot is its trace on the example
    model.forward(example.src[:1, :n + 1], example.tgt_in[:1, :n + 1])
    np.testing.assert_array_equal(snaps.weights["decoder.layers.1.cross_attn.weights"][-1],
                                  model.trace()["decoder.layers.1.cross_attn.weights"][0])


def test_numpy_and_pytorch_take_the_same_steps():
    pytest.importorskip("torch")
    from transformer_lib.reference.twin_training import train_side_by_side

    model = toy.toy_model(seed=1, pad_id=toy.PAD_ID)
    start = model.state_dict()
    batch = make_batch([[5, 8, 9], [7, 8]], [[0, 6, 3], [10, 3]], toy.PAD_ID, toy.BOS_ID, toy.EOS_ID)
    result = train_side_by_side(model, batch, steps=4, lr=0.01)
    assert result.numpy_losses.shape == result.torch_losses.shape == (4,)
    assert result.loss_differences.max() < 1e-12
    assert result.numpy_losses[-1] < result.numpy_losses[0]
    assert result.weight_difference < 1e-8
    assert max(d for name, d in result.weight_differences.items() if not zero_in_exact_arithmetic(name)) < 1e-12
    moved = max(np.abs(value - start[name]).max() for name, value in model.parameters().items())
    assert moved > 1e-3  # the model was trained in place


def test_mirror_weight_is_one_on_a_perfect_anti_diagonal_and_one_third_on_even_rows():
    length = 4
    perfect = np.zeros((2, length + 1, length + 1))  # 2 heads; the last query predicts <eos>
    perfect[:, np.arange(length), rv.mirrored_positions(length)] = 1.0
    np.testing.assert_array_equal(rv.mirror_weight(perfect, length), [1.0, 1.0])
    np.testing.assert_allclose(rv.mirror_weight(np.full((1, 4, 3), 1 / 3), 3), [1 / 3])
