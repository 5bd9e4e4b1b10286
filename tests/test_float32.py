"""A float32 model stays float32 everywhere (parameters, gradients, trace, optimiser steps) and
agrees with the float64 model of the same seed to float32 precision, and with PyTorch in float32."""

import numpy as np
import pytest
import torch

import transformer_lib as tl
from transformer_lib.reference.torch_model import torch_gradients, torch_twin
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

SRC, TGT, TARGET = np.array([[5, 8, 9, 1], [7, 8, 1, 1]]), np.array([[2, 0, 6], [2, 10, 1]]), np.array([[0, 6, 3], [10, 4, 1]])


def train_step(dtype, optimizer):
    model = tl.Transformer(tl.TransformerConfig(dtype=dtype, pad_id=1, num_encoder_layers=2, num_decoder_layers=2), seed=0)
    loss = tl.CrossEntropyLoss(ignore_index=1, label_smoothing=0.1)
    logits = model.forward(SRC, TGT)
    value = loss.forward(logits, TARGET)
    model.zero_grad()
    model.backward(loss.backward())
    gradients = {k: g.copy() for k, g in model.gradients().items()}
    optimizer(model).step()
    return model, logits, value, gradients


@pytest.mark.parametrize("optimizer", [tl.Adam, lambda m: tl.SGD(m, lr=0.1, momentum=0.9)])
def test_float32_stays_float32_through_a_training_step(optimizer):
    model, logits, _, gradients = train_step("float32", optimizer)
    assert model.dtype == np.float32 and model.pe.dtype == np.float32
    arrays = {"logits": logits, **model.parameters(), **{f"grad {k}": g for k, g in gradients.items()}}
    arrays |= {f"trace {k}": v for k, v in model.trace().items()}
    arrays |= {f"state {k}": v for k, v in model.state_dict().items()}
    wrong = {name: a.dtype for name, a in arrays.items() if a.dtype != np.float32}
    assert not wrong


def test_float32_agrees_with_float64_to_float32_precision():
    model64, logits64, value64, grads64 = train_step("float64", tl.Adam)
    model32, logits32, value32, grads32 = train_step("float32", tl.Adam)
    assert tl.relative_error(logits32, logits64) < 1e-5
    assert value32 == pytest.approx(value64, rel=1e-5)
    scale = max(np.abs(g).max() for g in grads64.values())
    for name, grad in grads64.items():
        assert np.abs(grads32[name] - grad).max() < 1e-4 * scale, name
    params64 = model64.parameters()
    for name, value in model32.parameters().items():
        if not zero_in_exact_arithmetic(name):  # Adam steps on rounding noise there
            assert tl.relative_error(value, params64[name]) < 1e-5, name


def test_float32_agrees_with_pytorch_float32():
    model = tl.Transformer(tl.TransformerConfig(dtype="float32"), seed=0)
    src, tgt = np.array([[5, 8, 9]]), np.array([[2, 0, 6]])
    logits = model.forward(src, tgt)
    dlogits = np.random.default_rng(0).standard_normal(logits.shape).astype(np.float32)
    model.zero_grad()
    model.backward(dlogits)
    twin = torch_twin(model)
    assert twin.generator.weight.dtype == torch.float32
    expected = twin(torch.as_tensor(src), torch.as_tensor(tgt))
    (expected * torch.as_tensor(dlogits)).sum().backward()
    assert tl.relative_error(logits, expected.detach().numpy()) < 1e-5
    theirs = torch_gradients(model, twin)
    assert tl.relative_error(model.gradients()["encoder.layers.0.self_attn.w_q.weight"],
                             theirs["encoder.layers.0.self_attn.w_q.weight"]) < 1e-4


@pytest.mark.parametrize("make", [
    lambda: tl.LayerNorm(6, dtype=np.float32),
    lambda: tl.FeedForward(6, 12, np.random.default_rng(0), dtype=np.float32),
    lambda: tl.EncoderLayer(tl.LayerConfig(d_model=6, num_heads=2, d_ff=12, dtype="float32"), np.random.default_rng(0)),
])
def test_float32_layers_return_float32(make):
    layer = make()
    x = np.random.default_rng(1).standard_normal((2, 3, 6)).astype(np.float32)
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(out))
    assert out.dtype == np.float32 and dx.dtype == np.float32
    assert all(g.dtype == np.float32 for g in layer.gradients().values())
