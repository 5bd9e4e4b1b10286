"""Dropout (paper section 5.4): on the embeddings plus positional encoding, on every sublayer's
output before the residual sum, and on the attention weights, only in training mode.

Checked three ways: the layer's own rule (mask, 1 / (1 - p), evaluation mode, bad p); the
hand-written backward against finite differences with the masks held fixed; and forward and
gradients against PyTorch's own layers (nn.MultiheadAttention, nn.TransformerEncoderLayer /
DecoderLayer, the whole twin) fed our masks through ``torch.nn.functional.dropout``."""

import dataclasses

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reference_forward import model_and_batch, torch_logits
from test_reference_gradients import assert_gradients_equal

import transformer_lib as tl
from transformer_lib.model.dropout import Dropout
from transformer_lib.reference.dropout_replay import recorded_masks, replayed_masks
from transformer_lib.reference.torch_model import torch_gradients, torch_twin
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None)
TOL = 1e-9


def fixed_masks(module):
    """`module.override` that gives each Dropout, at every forward pass, the mask it drew first:
    the function a finite difference needs is then one function."""
    first = {}

    def draw_once(dropout, shape):
        if id(dropout) not in first:
            first[id(dropout)] = Dropout.draw_keep(dropout, shape)
        return first[id(dropout)]

    return module.override(Dropout, draw_keep=draw_once)


# -- the layer's rule ------------------------------------------------------------------------------

def test_training_mode_zeroes_about_p_and_scales_the_rest_by_one_over_one_minus_p():
    dropout = Dropout(0.25, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((200, 100))
    y = dropout.forward(x)
    keep = dropout.trace()["keep"]
    assert abs((~keep).mean() - 0.25) < 0.01  # 20000 draws: the standard error is 0.003
    np.testing.assert_array_equal(y[~keep], 0.0)
    np.testing.assert_allclose(y[keep], x[keep] / 0.75, rtol=1e-15)
    dout = np.random.default_rng(2).standard_normal(x.shape)
    np.testing.assert_allclose(dropout.backward(dout), dout * keep / 0.75, rtol=1e-15)


def test_each_forward_draws_a_new_mask_and_evaluation_mode_passes_the_input_through():
    dropout = Dropout(0.5, np.random.default_rng(0))
    x = np.ones((4, 8))
    first, second = dropout.forward(x), dropout.forward(x)
    assert not np.array_equal(first, second)
    dropout.eval()
    assert dropout.forward(x) is x and dropout.backward(x) is x and dropout.trace() == {}
    dropout.train()
    assert not np.array_equal(dropout.forward(x), x)


def test_p_zero_changes_nothing_in_training_mode():
    """The default p = 0: the same logits, bit for bit, in training and evaluation mode, and no
    mask is drawn (the chapters' numbers stay exactly as they were)."""
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    src, tgt = np.array([[5, 8, 9]]), np.array([[2, 0, 6]])
    with recorded_masks(model) as masks:
        training = model.forward(src, tgt)
    assert masks == [] and model.training
    np.testing.assert_array_equal(model.eval().forward(src, tgt), training)


def test_the_weights_do_not_depend_on_p_and_evaluation_mode_turns_dropout_off():
    """Dropout's generators are spawned from the weights' generator without drawing from it."""
    src, tgt = np.array([[5, 8, 9, 1]]), np.array([[2, 0, 6]])
    plain = tl.Transformer(tl.TransformerConfig(num_encoder_layers=2), seed=4)
    dropping = tl.Transformer(tl.TransformerConfig(num_encoder_layers=2, dropout=0.3), seed=4)
    for name, value in plain.parameters().items():
        np.testing.assert_array_equal(dropping.parameters()[name], value)
    assert tl.relative_error(dropping.forward(src, tgt), plain.forward(src, tgt)) > 1e-3
    np.testing.assert_array_equal(dropping.eval().forward(src, tgt), plain.forward(src, tgt))


def test_the_same_seed_draws_the_same_masks():
    src, tgt = np.array([[5, 8, 9, 1]]), np.array([[2, 0, 6]])
    a, b = (tl.Transformer(tl.TransformerConfig(dropout=0.2), seed=1) for _ in range(2))
    np.testing.assert_array_equal(a.forward(src, tgt), b.forward(src, tgt))


@pytest.mark.parametrize("p", [1, 1.0, -0.1, 1.5, float("nan")])
def test_a_probability_outside_zero_to_one_is_refused(p):
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        tl.TransformerConfig(dropout=p)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\)"):
        tl.LayerConfig(dropout=p)
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\)"):
        Dropout(p, np.random.default_rng(0))


@pytest.mark.parametrize("p", [True, "0.1", None])
def test_a_probability_that_is_not_a_number_is_refused(p):
    with pytest.raises(TypeError, match="dropout must be a number"):
        tl.TransformerConfig(dropout=p)


def test_train_takes_only_true_or_false():
    with pytest.raises(TypeError, match="mode must be True"):
        tl.Transformer(tl.TransformerConfig()).train("eval")


# -- finite differences with the masks held fixed --------------------------------------------------

def assert_passes(errors, module):
    assert errors
    for name, error in errors.items():
        if zero_in_exact_arithmetic(name):
            assert np.abs(module.gradients()[name]).max() < 1e-12, name
        else:
            assert error < 1e-7, (name, error)


def test_dropout_layer_against_finite_differences():
    dropout = Dropout(0.4, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((3, 5))
    with fixed_masks(dropout):
        errors = tl.gradient_check(dropout.forward, dropout.backward, {"x": x})
    assert errors["x"] < 1e-9


@pytest.mark.parametrize("norm_first", [False, True])
def test_layers_against_finite_differences(norm_first):
    config = tl.LayerConfig(d_model=6, num_heads=2, d_ff=12, norm_first=norm_first, dropout=0.3)
    rng = np.random.default_rng(0)
    x, memory = rng.standard_normal((2, 4, 6)), rng.standard_normal((2, 3, 6))
    encoder_layer = tl.EncoderLayer(config, np.random.default_rng(1))
    with fixed_masks(encoder_layer):
        assert_passes(tl.gradient_check(encoder_layer.forward, encoder_layer.backward, {"x": x},
                                        module=encoder_layer), encoder_layer)
    decoder_layer = tl.DecoderLayer(config, np.random.default_rng(2))
    causal = tl.causal_mask(4)
    with fixed_masks(decoder_layer):
        assert_passes(tl.gradient_check(lambda y, m: decoder_layer.forward(y, m, causal), decoder_layer.backward,
                                        {"y": x, "memory": memory}, module=decoder_layer), decoder_layer)
    assert len(decoder_layer.trace()) and "dropped_weights" in decoder_layer.self_attn.trace()


def test_whole_model_against_finite_differences():
    config = tl.TransformerConfig(src_vocab_size=7, tgt_vocab_size=7, d_model=4, num_heads=2, d_ff=8,
                                  num_encoder_layers=2, dropout=0.2, pad_id=0)
    model = tl.Transformer(config, seed=3)
    src, tgt = np.array([[1, 2, 3, 0], [4, 5, 6, 2]]), np.array([[1, 3, 0], [6, 5, 4]])
    with fixed_masks(model):
        errors = tl.gradient_check(lambda: model.forward(src, tgt), model.backward, {}, module=model)
    assert_passes(errors, model)


# -- against PyTorch's own layers, fed our masks ---------------------------------------------------

def test_pytorch_dropout_keeps_with_the_same_scale():
    """Our convention is PyTorch's: F.dropout's survivors are the input times 1 / (1 - p)."""
    torch.manual_seed(0)
    out = torch.nn.functional.dropout(torch.ones(1000, dtype=torch.float64), p=0.3, training=True)
    kept = out[out != 0]
    assert 0 < kept.numel() < 1000
    torch.testing.assert_close(kept, torch.full_like(kept, 1 / 0.7), rtol=1e-15, atol=0)


@SETTINGS
@given(model_and_batch(), st.floats(0.05, 0.6), st.integers(0, 2**16))
def test_transformer_forward_and_gradients_equal_pytorch_with_our_masks(case, p, seed):
    model, src, tgt = case
    model = tl.Transformer(dataclasses.replace(model.config, dropout=p), seed=seed)
    with recorded_masks(model) as masks:
        logits = model.forward(src, tgt)
    dlogits = np.random.default_rng(seed).standard_normal(logits.shape)
    model.zero_grad()
    model.backward(dlogits)
    with replayed_masks(masks):
        twin, expected = torch_logits(model, src, tgt)
    assert twin.training
    assert tl.relative_error(logits, expected.detach().numpy()) < TOL
    (expected * torch.as_tensor(dlogits)).sum().backward()
    assert_gradients_equal(model.gradients(), torch_gradients(model, twin))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_pytorch_layers_with_our_masks_input_gradients(kind, norm_first):
    """nn.TransformerEncoderLayer / DecoderLayer on their own: output and input gradients."""
    config = tl.LayerConfig(d_model=8, num_heads=4, d_ff=16, norm_first=norm_first, dropout=0.25)
    rng = np.random.default_rng(5)
    x, memory = rng.standard_normal((3, 5, 8)), rng.standard_normal((3, 4, 8))
    dout = rng.standard_normal(x.shape)
    padding = np.arange(4)[None, :] >= np.array([4, 2, 3])[:, None]
    layer = (tl.EncoderLayer if kind == "encoder" else tl.DecoderLayer)(config, np.random.default_rng(6))
    with recorded_masks(layer) as masks:
        out = layer.forward(x) if kind == "encoder" else \
            layer.forward(x, memory, tl.causal_mask(5), tl.attention_mask(key_padding=padding))
    grads = layer.backward(dout)
    twin = torch_twin(layer)
    tx, tm = torch.tensor(x, requires_grad=True), torch.tensor(memory, requires_grad=True)
    with replayed_masks(masks):
        tout = twin(tx) if kind == "encoder" else \
            twin(tx, tm, tgt_mask=torch.tensor(tl.causal_mask(5)), memory_key_padding_mask=torch.tensor(padding))
    (tout * torch.tensor(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < TOL
    if kind == "encoder":
        assert tl.relative_error(grads, tx.grad.numpy()) < TOL
    else:
        assert tl.relative_error(grads[0], tx.grad.numpy()) < TOL
        assert tl.relative_error(grads[1], tm.grad.numpy()) < TOL
    assert_gradients_equal(layer.gradients(), torch_gradients(layer, twin))


def test_multi_head_attention_equals_pytorch_with_our_weight_masks():
    attn = tl.MultiHeadAttention(8, 2, np.random.default_rng(0), dropout=0.4)
    rng = np.random.default_rng(1)
    q, kv, dout = rng.standard_normal((2, 3, 8)), rng.standard_normal((2, 5, 8)), rng.standard_normal((2, 3, 8))
    with recorded_masks(attn) as masks:
        out = attn.forward(q, kv)
    dq, dkv = attn.backward(dout)
    assert [m.shape for m in masks] == [(2, 2, 3, 5)]
    twin = torch_twin(attn)
    tq, tkv = torch.tensor(q, requires_grad=True), torch.tensor(kv, requires_grad=True)
    with replayed_masks(masks):
        tout, _ = twin(tq, tkv, tkv)
    (tout * torch.tensor(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < TOL
    assert tl.relative_error(dq, tq.grad.numpy()) < TOL and tl.relative_error(dkv, tkv.grad.numpy()) < TOL
    assert_gradients_equal(attn.gradients(), torch_gradients(attn, twin))


def test_the_comparison_can_fail_and_the_replay_checks_its_count():
    """One mask changed: PyTorch's output moves away from ours. Too few or too many masks for
    PyTorch's dropout calls is an error, not a silent fresh draw."""
    model = tl.Transformer(tl.TransformerConfig(dropout=0.5), seed=0)
    src, tgt = np.array([[5, 8, 9]]), np.array([[2, 0, 6]])
    with recorded_masks(model) as masks:
        logits = model.forward(src, tgt)
    changed = [m.copy() for m in masks]
    changed[-1].flat[0] = ~changed[-1].flat[0]
    with replayed_masks(changed):
        _, expected = torch_logits(model, src, tgt)
    assert tl.relative_error(logits, expected.detach().numpy()) > 1e-6
    with pytest.raises(ValueError, match="more often"), replayed_masks(masks[:-1]):
        torch_logits(model, src, tgt)
    with pytest.raises(ValueError, match="of our"), replayed_masks(masks + masks[:1]):
        torch_logits(model, src, tgt)
