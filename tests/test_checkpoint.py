"""state_dict / load_state_dict and save_weights / load_weights round-trip exactly, and a bad
checkpoint (missing keys, wrong shapes, pickled objects, NaN) is refused with the model's
weights left exactly as they were."""

import pickle

import numpy as np
import pytest

import transformer_lib as tl


def trained_model(dtype="float64", seed=0):
    model = tl.Transformer(tl.TransformerConfig(dtype=dtype, num_encoder_layers=2), seed=seed)
    loss = tl.CrossEntropyLoss()
    loss.forward(model.forward([[5, 8, 9]], [[2, 0, 6]]), [[0, 6, 3]])
    model.zero_grad()
    model.backward(loss.backward())
    tl.Adam(model, lr=0.01).step()  # weights no longer those of any seed
    return model


def assert_same_weights(model, state):
    params = model.parameters()
    assert params.keys() == state.keys()
    for name, value in params.items():
        assert value.dtype == state[name].dtype
        np.testing.assert_array_equal(value, state[name], err_msg=name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_state_dict_round_trip_is_exact(dtype):
    source, target = trained_model(dtype), tl.Transformer(tl.TransformerConfig(dtype=dtype, num_encoder_layers=2), seed=1)
    target.load_state_dict(source.state_dict())
    assert_same_weights(target, source.state_dict())
    np.testing.assert_array_equal(target.forward([[5, 8, 9]], [[2, 0]]), source.forward([[5, 8, 9]], [[2, 0]]))


def test_state_dict_is_a_copy_and_loading_keeps_the_live_arrays():
    model = trained_model()
    state = model.state_dict()
    buffer = model.parameter_buffers()[0][0]
    model.parameters()["generator.bias"][0] += 1.0
    assert state["generator.bias"][0] != model.parameters()["generator.bias"][0]
    model.load_state_dict(state)
    assert model.parameter_buffers()[0][0] is buffer  # an optimiser built before still updates the model
    assert_same_weights(model, state)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_save_and_load_npz_round_trip_is_exact(tmp_path, dtype):
    source = trained_model(dtype)
    path = tmp_path / "weights.npz"
    tl.save_weights(source, path)
    with np.load(path, allow_pickle=False) as archive:  # a plain archive anyone can read
        assert sorted(archive.files) == sorted(source.parameters())
    target = tl.Transformer(source.config, seed=5)
    tl.load_weights(target, path)
    assert_same_weights(target, source.state_dict())


def test_the_file_is_written_at_exactly_the_given_path(tmp_path):
    model = trained_model()
    tl.save_weights(model, tmp_path / "toy")
    assert (tmp_path / "toy").exists() and not (tmp_path / "toy.npz").exists()
    tl.load_weights(tl.Transformer(model.config, seed=3), tmp_path / "toy")


@pytest.fixture
def model_and_before():
    model = trained_model()
    return model, model.state_dict()


def test_missing_keys_are_refused_and_nothing_changes(model_and_before):
    model, before = model_and_before
    state = {name: value + 1.0 for name, value in before.items()}
    del state["generator.bias"]
    with pytest.raises(ValueError, match=r"missing keys \['generator.bias'\]"):
        model.load_state_dict(state)
    assert_same_weights(model, before)


def test_unexpected_keys_are_refused(model_and_before):
    model, before = model_and_before
    with pytest.raises(ValueError, match=r"unexpected keys \['encoder.layers.5.norm1.gamma'\]"):
        model.load_state_dict(before | {"encoder.layers.5.norm1.gamma": np.ones(6)})
    assert_same_weights(model, before)


def test_wrong_shapes_are_refused_and_nothing_changes(model_and_before):
    """Every other entry is valid and different, and the bad one comes last: still nothing changes."""
    model, before = model_and_before
    state = {name: value + 1.0 for name, value in before.items()}
    state["generator.weight"] = np.zeros((11, 6))
    with pytest.raises(ValueError, match=r"state_dict\['generator.weight'\] has shape \(11, 6\), expected \(6, 11\)"):
        model.load_state_dict(state)
    assert_same_weights(model, before)


@pytest.mark.parametrize("bad, message", [(np.nan, "contains NaN or inf"), (1 + 2j, "dtype complex128, expected real numbers"),
                                          ("x", "dtype <U1, expected real numbers")])
def test_non_numbers_and_nan_are_refused_and_nothing_changes(model_and_before, bad, message):
    model, before = model_and_before
    state = {name: value + 1.0 for name, value in before.items()}
    state["generator.bias"] = np.full(11, bad)
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert_same_weights(model, before)


def test_pickled_object_array_in_an_npz_is_refused(tmp_path, model_and_before):
    model, before = model_and_before
    state = {name: value + 1.0 for name, value in before.items()}
    state["generator.bias"] = np.array([{"not": "weights"}] * 11, dtype=object)
    path = tmp_path / "pickled.npz"
    np.savez(path, **state)  # numpy pickles object arrays
    with pytest.raises(ValueError, match=r"pickled objects are refused.*allow_pickle=False"):
        tl.load_weights(model, path)
    assert_same_weights(model, before)


def test_a_pickle_file_is_refused(tmp_path, model_and_before):
    model, before = model_and_before
    path = tmp_path / "weights.pkl"
    path.write_bytes(pickle.dumps({name: value + 1.0 for name, value in before.items()}))
    with pytest.raises(ValueError, match="pickled objects are refused"):
        tl.load_weights(model, path)
    assert_same_weights(model, before)


def test_a_single_array_file_is_refused(tmp_path, model_and_before):
    model, before = model_and_before
    np.save(tmp_path / "one.npy", np.zeros(3))
    with pytest.raises(ValueError, match="holds a single array, expected named arrays"):
        tl.load_weights(model, tmp_path / "one.npy")
    assert_same_weights(model, before)


def test_a_float64_value_too_large_for_a_float32_model_is_refused(tmp_path):
    """1e39 is finite in float64 and inf in float32: the finiteness check runs after the conversion."""
    model = trained_model("float32")
    before = model.state_dict()
    state = {name: value.astype(np.float64) for name, value in before.items()}
    state["generator.bias"][3] = 1e39
    message = (r"state_dict\['generator.bias'\] holds 1e\+39 at index \(3,\), which is inf in float32: "
               r"expected numbers of size at most 3.4e\+38, the largest finite float32")
    with pytest.raises(ValueError, match=message):
        model.load_state_dict(state)
    assert_same_weights(model, before)
    path = tmp_path / "float64.npz"
    np.savez(path, **state)
    with pytest.raises(ValueError, match=message):
        tl.load_weights(model, path)
    assert_same_weights(model, before)
    state["generator.bias"][3] = 3e38  # the largest float32 is about 3.40e38: this one fits
    model.load_state_dict(state)
    assert model.parameters()["generator.bias"][3] == np.float32(3e38)


def _reversal_run(model, optimizer, task, steps):
    """`steps` steps of chapter 12's recipe (its warm-up, label smoothing) from the optimiser's
    current step on."""
    from transformer_lib import reversal

    loss_fn = tl.CrossEntropyLoss(ignore_index=reversal.PAD_ID, label_smoothing=reversal.LABEL_SMOOTHING)
    losses = []
    for _ in range(steps):
        optimizer.lr = tl.warmup_learning_rate(optimizer.t + 1, model.config.d_model, 4, reversal.LR_FACTOR)
        batch = task.next_batch()
        losses.append(loss_fn.forward(model.forward(batch.src, batch.tgt_in), batch.tgt_out))
        model.zero_grad()
        model.backward(loss_fn.backward())
        optimizer.step()
    return losses


@pytest.mark.parametrize("optimizer_class", ["plain", "fast"])
def test_training_resumed_from_a_checkpoint_equals_training_without_a_break(tmp_path, optimizer_class):
    """N steps, save, load into a new model and optimiser, M more steps == N + M steps, bit for bit."""
    from transformer_lib import fast, reversal

    adam = tl.Adam if optimizer_class == "plain" else fast.Adam
    config = reversal.reversal_config(dtype="float64")
    task = reversal.ReversalTask(seed=4, batch_size=16, validation_size=2, test_size=2)
    whole = tl.Transformer(config, seed=4)
    whole_losses = _reversal_run(whole, adam(whole, betas=reversal.ADAM_BETAS, eps=reversal.ADAM_EPS), task, 5)

    task = reversal.ReversalTask(seed=4, batch_size=16, validation_size=2, test_size=2)  # the same batches again
    first = tl.Transformer(config, seed=4)
    optimizer = adam(first, betas=reversal.ADAM_BETAS, eps=reversal.ADAM_EPS)
    losses = _reversal_run(first, optimizer, task, 3)
    tl.save_checkpoint(first, optimizer, tmp_path / "run.npz")
    resumed = tl.Transformer(config, seed=9)
    resumed_optimizer = adam(resumed, lr=0.5, betas=(0.5, 0.5), eps=1.0)  # every setting comes from the file
    tl.load_checkpoint(resumed, resumed_optimizer, tmp_path / "run.npz")
    assert resumed_optimizer.t == 3 and resumed_optimizer.betas == reversal.ADAM_BETAS
    losses += _reversal_run(resumed, resumed_optimizer, task, 2)
    assert losses == whole_losses
    assert_same_weights(resumed, whole.state_dict())


def test_weights_alone_do_not_resume_adam(tmp_path):
    """The reason the optimiser state is saved: restarting Adam from m = v = 0 takes other steps."""
    model = trained_model()
    optimizer = tl.Adam(model, lr=0.01)
    tl.save_weights(model, tmp_path / "weights.npz")
    with pytest.raises(ValueError, match="weights only, no optimizer state"):
        tl.load_checkpoint(model, optimizer, tmp_path / "weights.npz")


def test_a_checkpoint_that_does_not_fit_leaves_model_and_optimizer_unchanged(tmp_path):
    small = tl.Transformer(tl.TransformerConfig(), seed=0)
    tl.save_checkpoint(small, tl.Adam(small), tmp_path / "small.npz")
    model = trained_model()
    optimizer = tl.Adam(model, lr=0.01)
    before = model.state_dict()
    with pytest.raises(ValueError):
        tl.load_checkpoint(model, optimizer, tmp_path / "small.npz")
    assert_same_weights(model, before)
    assert optimizer.t == 0 and not any(m.any() for m in optimizer.m)
