"""The final LayerNorm of pre-norm stacks against PyTorch's own: an `Encoder` / `Decoder` of
pre-norm layers ends with one more LayerNorm, where ``nn.TransformerEncoder(norm=...)`` and
``nn.TransformerDecoder(norm=...)`` put it. Float64, every weight (the final norm's gain and bias
too) moved away from its initial value, so a swapped or missing gain or bias shows: outputs
within 1e-12 and every gradient within 1e-9 of autograd. Post-norm stacks have no final norm."""

import numpy as np
import pytest
import torch
from torch import nn

import transformer_lib as tl
from transformer_lib.reference.torch_model import copy_to_torch, torch_gradients, torch_twin
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

FORWARD_TOL, GRADIENT_TOL = 1e-12, 1e-9
CONFIG = tl.LayerConfig(d_model=8, num_heads=2, d_ff=12, norm_first=True)


def _t(x, requires_grad=False):
    return torch.tensor(np.asarray(x), requires_grad=requires_grad)


def _jostle(module, rng):
    """Move every parameter by random noise (in place): no gain stays 1, no bias 0."""
    for p in module.parameters().values():
        p += 0.3 * rng.standard_normal(p.shape)


def _assert_gradients_equal(module, twin):
    theirs = torch_gradients(module, twin)
    scale = max(float(np.abs(g).max()) for g in theirs.values())
    for name, grad in module.gradients().items():
        if zero_in_exact_arithmetic(name):  # the key bias: rounding noise on both sides
            assert np.abs(grad).max() <= 1e-12 * scale and np.abs(theirs[name]).max() <= 1e-12 * scale, name
        else:
            assert tl.relative_error(grad, theirs[name]) < GRADIENT_TOL, name


def _torch_stack(kind, num_layers, final_norm):
    """nn.TransformerEncoder / Decoder built here from PyTorch's modules alone, ``norm=``
    nn.LayerNorm when `final_norm`."""
    options = dict(dim_feedforward=CONFIG.d_ff, dropout=0.0, activation="relu", layer_norm_eps=CONFIG.layer_norm_eps,
                   batch_first=True, norm_first=True)
    norm = nn.LayerNorm(CONFIG.d_model, eps=CONFIG.layer_norm_eps) if final_norm else None
    if kind == "encoder":
        layer = nn.TransformerEncoderLayer(CONFIG.d_model, CONFIG.num_heads, **options)
        stack = nn.TransformerEncoder(layer, num_layers, norm=norm, enable_nested_tensor=False)
    else:
        stack = nn.TransformerDecoder(nn.TransformerDecoderLayer(CONFIG.d_model, CONFIG.num_heads, **options),
                                      num_layers, norm=norm)
    return stack.double()


@pytest.mark.parametrize("num_layers", [1, 3])
def test_pre_norm_encoder_ends_with_the_norm_of_nn_transformer_encoder(num_layers):
    rng = np.random.default_rng(num_layers)
    encoder = tl.Encoder(num_layers, CONFIG, rng)
    assert encoder.final_norm and "norm.gamma" in encoder.parameters()
    _jostle(encoder, rng)
    x = rng.standard_normal((3, 5, CONFIG.d_model))
    padding = np.zeros((3, 5), dtype=bool)
    padding[1, 3:] = True
    dout = rng.standard_normal(x.shape)
    out = encoder.forward(x, tl.attention_mask(key_padding=padding))
    encoder.zero_grad()
    dx = encoder.backward(dout)

    twin = _torch_stack("encoder", num_layers, final_norm=True)
    copy_to_torch(encoder, twin)
    tx = _t(x, requires_grad=True)
    tout = twin(tx, src_key_padding_mask=_t(padding))
    (tout * _t(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < FORWARD_TOL
    assert tl.relative_error(dx, tx.grad.numpy()) < GRADIENT_TOL
    _assert_gradients_equal(encoder, twin)


@pytest.mark.parametrize("num_layers", [1, 3])
def test_pre_norm_decoder_ends_with_the_norm_of_nn_transformer_decoder(num_layers):
    rng = np.random.default_rng(10 + num_layers)
    decoder = tl.Decoder(num_layers, CONFIG, rng)
    assert decoder.final_norm and "norm.gamma" in decoder.parameters()
    _jostle(decoder, rng)
    y, memory = rng.standard_normal((2, 4, CONFIG.d_model)), rng.standard_normal((2, 6, CONFIG.d_model))
    src_padding = np.zeros((2, 6), dtype=bool)
    src_padding[0, 4:] = True
    dout = rng.standard_normal(y.shape)
    out = decoder.forward(y, memory, tl.attention_mask(causal_length=4), tl.attention_mask(key_padding=src_padding))
    decoder.zero_grad()
    dy, d_memory = decoder.backward(dout)

    twin = _torch_stack("decoder", num_layers, final_norm=True)
    copy_to_torch(decoder, twin)
    ty, tm = _t(y, requires_grad=True), _t(memory, requires_grad=True)
    tout = twin(ty, tm, tgt_mask=_t(tl.causal_mask(4)), memory_key_padding_mask=_t(src_padding))
    (tout * _t(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < FORWARD_TOL
    assert tl.relative_error(dy, ty.grad.numpy()) < GRADIENT_TOL
    assert tl.relative_error(d_memory, tm.grad.numpy()) < GRADIENT_TOL
    _assert_gradients_equal(decoder, twin)


def test_the_final_norm_is_the_one_difference_from_a_stack_without_it():
    """final_norm=False gives PyTorch's stack with norm=None, and the last norm applied to that
    output gives the default stack's output."""
    rng = np.random.default_rng(5)
    plain = tl.Encoder(2, CONFIG, np.random.default_rng(0), final_norm=False)
    normed = tl.Encoder(2, CONFIG, np.random.default_rng(0))
    assert "norm.gamma" not in plain.parameters()
    x = rng.standard_normal((2, 4, CONFIG.d_model))
    twin = _torch_stack("encoder", 2, final_norm=False)
    copy_to_torch(plain, twin)
    unnormalised = plain.forward(x)
    assert tl.relative_error(unnormalised, twin(_t(x)).detach().numpy()) < FORWARD_TOL
    np.testing.assert_array_equal(normed.forward(x), normed.norm.forward(unnormalised))


def test_post_norm_stacks_and_models_have_no_final_norm():
    post = tl.LayerConfig(d_model=8, num_heads=2, d_ff=12)
    assert not tl.Encoder(2, post, np.random.default_rng(0)).final_norm
    assert not tl.Decoder(2, post, np.random.default_rng(0)).final_norm
    names = tl.Transformer(tl.TransformerConfig(), seed=0).parameters()
    assert not any(name.startswith(("encoder.norm.", "decoder.norm.")) for name in names)
    twin = torch_twin(tl.Transformer(tl.TransformerConfig(), seed=0))
    assert twin.encoder.norm is None and twin.decoder.norm is None


def test_pre_norm_transformer_equals_its_twin_with_norm_given():
    """The whole pre-norm model: the twin's stacks have ``norm=nn.LayerNorm``; logits and every
    gradient (the final norms' included) agree with autograd."""
    config = tl.TransformerConfig(src_vocab_size=7, tgt_vocab_size=9, d_model=8, num_heads=2, d_ff=12,
                                  num_encoder_layers=2, num_decoder_layers=2, norm_first=True, pad_id=0)
    model = tl.Transformer(config, seed=3)
    rng = np.random.default_rng(3)
    _jostle(model, rng)
    src, tgt = np.array([[3, 4, 5, 2], [6, 2, 0, 0]]), np.array([[1, 4, 4], [1, 8, 0]])
    logits = model.forward(src, tgt)
    dlogits = rng.standard_normal(logits.shape)
    model.zero_grad()
    model.backward(dlogits)
    twin = torch_twin(model)
    assert isinstance(twin.encoder.norm, nn.LayerNorm) and isinstance(twin.decoder.norm, nn.LayerNorm)
    tout = twin(_t(src), _t(tgt), _t(src == 0), _t(tgt == 0))
    (tout * _t(dlogits)).sum().backward()
    assert tl.relative_error(logits, tout.detach().numpy()) < FORWARD_TOL
    _assert_gradients_equal(model, twin)


@pytest.mark.parametrize("value", [0, 1, "yes", 0.5])
def test_final_norm_must_be_true_false_or_none(value):
    with pytest.raises(TypeError, match="final_norm"):
        tl.TransformerConfig(final_norm=value)
    with pytest.raises(TypeError, match="final_norm"):
        tl.Encoder(1, CONFIG, np.random.default_rng(0), final_norm=value)
