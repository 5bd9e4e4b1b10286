"""Single layers against PyTorch's own: nn.MultiheadAttention (self and cross, with masks, per-head
weights), nn.LayerNorm, nn.Linear, nn.Embedding, and the softmax functions against torch's.
Outputs, input gradients and parameter gradients."""

import numpy as np
import pytest
import torch

import transformer_lib as tl
from transformer_lib.reference.torch_model import copy_from_torch, torch_gradients, torch_twin
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

TOL = 1e-10


def _t(x, requires_grad=False):
    return torch.tensor(np.asarray(x), requires_grad=requires_grad)


def _random_mask(rng, batch, tq, tk):
    """(B, 1, Tq, Tk) bool, about a third masked, every query keeping at least one key."""
    mask = rng.random((batch, 1, tq, tk)) < 0.35
    mask[..., rng.integers(0, tk)] = False
    return mask


@pytest.mark.parametrize("kind", ["self", "cross"])
@pytest.mark.parametrize("mask_kind", ["none", "causal", "padding", "random"])
@pytest.mark.parametrize("d_model, num_heads", [(6, 2), (8, 4), (5, 1)])
def test_multi_head_attention_equals_nn_multihead_attention(kind, mask_kind, d_model, num_heads):
    rng = np.random.default_rng(d_model * 10 + num_heads)
    batch, tq = 3, 4
    tk = tq if kind == "self" else 6
    attn = tl.MultiHeadAttention(d_model, num_heads, rng)
    for p in attn.parameters().values():  # non-zero biases, so their gradients are tested too
        p += 0.1 * rng.standard_normal(p.shape)
    query = rng.standard_normal((batch, tq, d_model))
    key_value = query if kind == "self" else rng.standard_normal((batch, tk, d_model))
    padding = np.zeros((batch, tk), dtype=bool)
    padding[0, -2:] = True
    mask = {
        "none": None,
        "causal": tl.attention_mask(causal_length=tq) if kind == "self" else None,
        "padding": tl.attention_mask(key_padding=padding),
        "random": _random_mask(rng, batch, tq, tk),
    }[mask_kind]
    dout = rng.standard_normal((batch, tq, d_model))

    out = attn.forward(query, key_value, mask)
    attn.zero_grad()
    d_query, d_key_value = attn.backward(dout)
    weights = attn.trace()["weights"]

    twin = torch_twin(attn)
    assert type(twin) is torch.nn.MultiheadAttention
    tq_ = _t(query, requires_grad=True)
    tkv = tq_ if kind == "self" else _t(key_value, requires_grad=True)
    torch_mask = None
    if mask is not None:  # nn.MultiheadAttention takes a 3-D mask as (B * heads, Tq, Tk)
        torch_mask = _t(np.broadcast_to(mask, (batch, num_heads, tq, tk)).reshape(batch * num_heads, tq, tk))
    tout, tweights = twin(tq_, tkv, tkv, attn_mask=torch_mask, need_weights=True, average_attn_weights=False)
    (tout * _t(dout)).sum().backward()

    assert tl.relative_error(out, tout.detach().numpy()) < TOL
    assert tl.relative_error(weights, tweights.detach().numpy()) < TOL
    if kind == "self":
        assert tl.relative_error(d_query + d_key_value, tq_.grad.numpy()) < TOL
    else:
        assert tl.relative_error(d_query, tq_.grad.numpy()) < TOL
        assert tl.relative_error(d_key_value, tkv.grad.numpy()) < TOL
    theirs = torch_gradients(attn, twin)
    for name, grad in attn.gradients().items():
        if not zero_in_exact_arithmetic(name):
            assert tl.relative_error(grad, theirs[name]) < 1e-9, name


def test_key_padding_mask_equals_pytorch_key_padding_mask():
    """Our (B, 1, 1, Tk) padding mask does what nn.MultiheadAttention's key_padding_mask does."""
    rng = np.random.default_rng(0)
    attn = tl.MultiHeadAttention(6, 3, rng)
    x, memory = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 5, 6))
    padding = np.array([[False] * 5, [False, False, True, True, True]])
    out = attn.forward(x, memory, tl.attention_mask(key_padding=padding))
    tout, _ = torch_twin(attn)(_t(x), _t(memory), _t(memory), key_padding_mask=_t(padding))
    assert tl.relative_error(out, tout.detach().numpy()) < TOL


@pytest.mark.parametrize("shape", [(7,), (2, 5, 6), (3, 1, 4, 6)])
def test_layer_norm_equals_nn_layer_norm(shape):
    rng = np.random.default_rng(len(shape))
    norm = tl.LayerNorm(shape[-1], eps=1e-5)
    norm.gamma[...] = rng.standard_normal(shape[-1])
    norm.beta[...] = rng.standard_normal(shape[-1])
    x = 3.0 + 2.0 * rng.standard_normal(shape)
    dout = rng.standard_normal(shape)
    out = norm.forward(x)
    norm.zero_grad()
    dx = norm.backward(dout)

    twin = torch_twin(norm)
    assert type(twin) is torch.nn.LayerNorm
    tx = _t(x, requires_grad=True)
    tout = twin(tx)
    (tout * _t(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < TOL
    assert tl.relative_error(dx, tx.grad.numpy()) < TOL
    assert tl.relative_error(norm.gradients()["gamma"], twin.weight.grad.numpy()) < TOL
    assert tl.relative_error(norm.gradients()["beta"], twin.bias.grad.numpy()) < TOL


@pytest.mark.parametrize("bias", [True, False])
def test_linear_equals_nn_linear(bias):
    rng = np.random.default_rng(1)
    layer = tl.Linear(5, 3, rng, bias=bias)
    if bias:
        layer.bias[...] = rng.standard_normal(3)
    x, dout = rng.standard_normal((2, 4, 5)), rng.standard_normal((2, 4, 3))
    out = layer.forward(x)
    layer.zero_grad()
    dx = layer.backward(dout)

    twin = torch.nn.Linear(5, 3, bias=bias, dtype=torch.float64)
    with torch.no_grad():  # nn.Linear stores the weight as (d_out, d_in)
        twin.weight.copy_(_t(layer.weight.T))
        if bias:
            twin.bias.copy_(_t(layer.bias))
    tx = _t(x, requires_grad=True)
    tout = twin(tx)
    (tout * _t(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < TOL
    assert tl.relative_error(dx, tx.grad.numpy()) < TOL
    assert tl.relative_error(layer.gradients()["weight"], twin.weight.grad.numpy().T) < TOL
    if bias:
        assert tl.relative_error(layer.gradients()["bias"], twin.bias.grad.numpy()) < TOL


@pytest.mark.parametrize("scale", [True, False])
def test_embedding_equals_nn_embedding(scale):
    """Repeated tokens add their gradients into one row, as in nn.Embedding."""
    rng = np.random.default_rng(2)
    embed = tl.Embedding(11, 6, rng, scale=scale)
    tokens = np.array([[5, 8, 9, 5], [0, 5, 3, 3]])
    dout = rng.standard_normal((2, 4, 6))
    out = embed.forward(tokens)
    embed.zero_grad()
    embed.backward(dout)

    twin = torch.nn.Embedding(11, 6, dtype=torch.float64)
    with torch.no_grad():
        twin.weight.copy_(_t(embed.weight))
    multiplier = np.sqrt(6) if scale else 1.0
    tout = twin(_t(tokens)) * multiplier
    (tout * _t(dout)).sum().backward()
    assert tl.relative_error(out, tout.detach().numpy()) < TOL
    assert tl.relative_error(embed.gradients()["weight"], twin.weight.grad.numpy()) < TOL


def test_softmax_and_log_softmax_equal_torch():
    rng = np.random.default_rng(3)
    x = 10 * rng.standard_normal((3, 4, 7))
    x[0, 0, 0] = 800.0  # exp(800) overflows unless the row maximum is subtracted
    tx = _t(x, requires_grad=True)
    probs = torch.softmax(tx, dim=-1)
    assert tl.relative_error(tl.softmax(x), probs.detach().numpy()) < TOL
    assert tl.relative_error(tl.log_softmax(x), torch.log_softmax(_t(x), dim=-1).numpy()) < TOL
    dout = rng.standard_normal(x.shape)
    (probs * _t(dout)).sum().backward()
    assert tl.relative_error(tl.softmax_backward(dout, tl.softmax(x)), tx.grad.numpy()) < TOL


def test_scaled_dot_product_attention_equals_torch():
    rng = np.random.default_rng(4)
    q, k, v = rng.standard_normal((2, 3, 4, 5)), rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((2, 3, 6, 7))
    mask = _random_mask(rng, 2, 4, 6)
    out, weights = tl.scaled_dot_product_attention(q, k, v, mask)
    # torch's boolean attn_mask means the opposite: True = may attend
    expected = torch.nn.functional.scaled_dot_product_attention(_t(q), _t(k), _t(v), attn_mask=_t(~mask))
    assert tl.relative_error(out, expected.numpy()) < TOL
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-12)
    assert np.all(weights[np.broadcast_to(mask, weights.shape)] == 0.0)


def test_weights_copy_both_ways():
    """PyTorch weights copied into a NumPy model give PyTorch's logits, and copying them back
    gives PyTorch's exact tensors."""
    config = tl.TransformerConfig(num_encoder_layers=2, num_decoder_layers=2, norm_first=True)
    twin = torch_twin(tl.Transformer(config, seed=0))
    torch.manual_seed(0)
    with torch.no_grad():
        for p in twin.parameters():
            p.add_(0.1 * torch.randn_like(p))
    model = tl.Transformer(config, seed=1)
    copy_from_torch(twin, model)
    src, tgt = np.array([[5, 8, 9]]), np.array([[2, 0, 6]])
    expected = twin(torch.as_tensor(src), torch.as_tensor(tgt)).detach().numpy()
    assert tl.relative_error(model.forward(src, tgt), expected) < TOL
    back = torch_twin(model)
    for (name, p), (_, q) in zip(twin.named_parameters(), back.named_parameters(), strict=True):
        assert torch.equal(p, q), name
