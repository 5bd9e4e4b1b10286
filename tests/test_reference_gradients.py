"""The hand-written backward passes give the same gradients as torch autograd on the PyTorch
twin: every parameter of the whole Transformer, and the input gradients of encoder and decoder
stacks (pre- and post-norm, with padding and the causal mask)."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from test_reference_forward import model_and_batch, torch_logits

import transformer_lib as tl
from transformer_lib.model.validation import as_token_ids
from transformer_lib.reference.torch_model import torch_gradients, torch_twin
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

SETTINGS = settings(max_examples=25, deadline=None, derandomize=True, database=None)
TOL = 1e-9
FLOOR = 1e-4


def assert_gradients_equal(ours: dict, theirs: dict) -> None:
    """Each parameter's gradient within TOL of autograd's, relative to the larger of its own size
    and FLOOR times the largest gradient of the model. The floor matters only for gradients that
    are zero or nearly so in exact arithmetic and hold rounding noise on both sides: the key
    projection's bias (a constant added to every score of a row leaves softmax unchanged) and
    whatever lies below a layer norm over 2 features."""
    assert ours.keys() == theirs.keys()
    scale = max(float(np.abs(g).max()) for g in theirs.values())
    for name, grad in ours.items():
        size = max(float(np.max(np.abs(grad) + np.abs(theirs[name]))), FLOOR * scale)
        error = float(np.max(np.abs(grad - theirs[name]))) / size
        assert error < TOL, (name, error)
        if zero_in_exact_arithmetic(name):
            assert np.abs(grad).max() <= 1e-12 * scale, name


@SETTINGS
@given(model_and_batch(), st.integers(0, 2**16))
def test_every_parameter_gradient_equals_autograd(case, seed):
    model, src, tgt = case
    logits = model.forward(src, tgt)
    dlogits = np.random.default_rng(seed).standard_normal(logits.shape)
    model.zero_grad()
    model.backward(dlogits)
    twin, expected = torch_logits(model, src, tgt)
    (expected * torch.as_tensor(dlogits)).sum().backward()
    assert_gradients_equal(model.gradients(), torch_gradients(model, twin))


@st.composite
def stack_case(draw):
    """A random encoder or decoder stack's sizes, inputs and right-padding lengths."""
    d_model = draw(st.integers(1, 16))
    return dict(
        d_model=d_model,
        num_heads=draw(st.sampled_from([h for h in range(1, d_model + 1) if d_model % h == 0])),
        d_ff=draw(st.integers(1, 32)),
        num_layers=draw(st.integers(1, 3)),
        norm_first=draw(st.booleans()),
        batch=draw(st.integers(1, 4)),
        tgt_len=draw(st.integers(1, 12)),
        src_len=draw(st.integers(1, 12)),
        padded=draw(st.booleans()),
        seed=draw(st.integers(0, 2**16)),
    )


def layer_config(c):
    """The LayerConfig of a drawn stack case."""
    return tl.LayerConfig(d_model=c["d_model"], num_heads=c["num_heads"], d_ff=c["d_ff"], norm_first=c["norm_first"])


def _padding(rng, batch, length, padded):
    """(B, T) bool, True at right padding, at least one real token per row; or None."""
    if not padded:
        return None
    real = rng.integers(1, length + 1, batch)
    return np.arange(length)[None, :] >= real[:, None]


def _tensor(x, requires_grad=False):
    return torch.tensor(x, requires_grad=requires_grad)


def _key_padding(padding):
    """PyTorch's key padding mask for `padding` (None stays None)."""
    return None if padding is None else _tensor(padding)


def _assert_equals_autograd(module, twin, out, tout, dout, input_gradients):
    """Backpropagate `dout` through the twin's output `tout`; the outputs, each (our input
    gradient, torch leaf) pair of `input_gradients` and every parameter gradient agree."""
    (tout * _tensor(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < 1e-10
    for ours, leaf in input_gradients:
        assert tl.relative_error(ours, leaf.grad.numpy()) < TOL
    assert_gradients_equal(module.gradients(), torch_gradients(module, twin))


@SETTINGS
@given(stack_case())
def test_encoder_stack_input_and_parameter_gradients_equal_autograd(c):
    rng = np.random.default_rng(c["seed"])
    encoder = tl.Encoder(c["num_layers"], layer_config(c), rng)
    x = rng.standard_normal((c["batch"], c["src_len"], c["d_model"]))
    padding = _padding(rng, c["batch"], c["src_len"], c["padded"])
    dout = rng.standard_normal(x.shape)

    out = encoder.forward(x, tl.attention_mask(key_padding=padding))
    encoder.zero_grad()
    dx = encoder.backward(dout)

    twin = torch_twin(encoder)
    tx = _tensor(x, requires_grad=True)
    tout = twin(tx, src_key_padding_mask=_key_padding(padding))
    _assert_equals_autograd(encoder, twin, out, tout, dout, [(dx, tx)])


@SETTINGS
@given(stack_case())
def test_decoder_stack_input_and_parameter_gradients_equal_autograd(c):
    rng = np.random.default_rng(c["seed"])
    decoder = tl.Decoder(c["num_layers"], layer_config(c), rng)
    y = rng.standard_normal((c["batch"], c["tgt_len"], c["d_model"]))
    memory = rng.standard_normal((c["batch"], c["src_len"], c["d_model"]))
    tgt_padding = _padding(rng, c["batch"], c["tgt_len"], c["padded"])
    src_padding = _padding(rng, c["batch"], c["src_len"], c["padded"])
    dout = rng.standard_normal(y.shape)

    self_mask = tl.attention_mask(key_padding=tgt_padding, causal_length=c["tgt_len"])
    out = decoder.forward(y, memory, self_mask, tl.attention_mask(key_padding=src_padding))
    decoder.zero_grad()
    dy, d_memory = decoder.backward(dout)

    twin = torch_twin(decoder)
    ty, tm = _tensor(y, requires_grad=True), _tensor(memory, requires_grad=True)
    tout = twin(ty, tm, tgt_mask=_tensor(tl.causal_mask(c["tgt_len"])),
                tgt_key_padding_mask=_key_padding(tgt_padding), memory_key_padding_mask=_key_padding(src_padding))
    _assert_equals_autograd(decoder, twin, out, tout, dout, [(dy, ty), (d_memory, tm)])


def test_gradient_comparison_can_fail():
    """A wrong gradient in one parameter is caught by the same comparison."""
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    src, tgt = as_token_ids([[5, 8, 9]], 11), as_token_ids([[2, 0, 6]], 11)
    dlogits = np.ones((1, 3, 11))
    model.forward(src, tgt)
    model.zero_grad()
    model.backward(dlogits)
    twin, expected = torch_logits(model, src, tgt)
    (expected * torch.as_tensor(dlogits)).sum().backward()
    ours = {k: v.copy() for k, v in model.gradients().items()}
    grad = ours["encoder.layers.0.ffn.linear1.weight"]
    grad.flat[np.abs(grad).argmax()] *= 1 + 1e-8
    try:
        assert_gradients_equal(ours, torch_gradients(model, twin))
    except AssertionError:
        return
    raise AssertionError("a gradient off by a relative 1e-8 was not detected")
