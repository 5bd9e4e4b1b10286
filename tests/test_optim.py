"""Optimisers, the warm-up schedule and gradient clipping track PyTorch's own: torch.optim.Adam
and torch.optim.SGD over 50 steps on the same model and the same gradients, and
torch.nn.utils.clip_grad_norm_."""

import numpy as np
import pytest
import torch

import transformer_lib as tl
from transformer_lib.reference.torch_model import copy_to_torch, from_torch, torch_gradients, torch_twin
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

SRC, TGT, TARGET = np.array([[5, 8, 9], [7, 8, 10]]), np.array([[2, 0, 6], [2, 10, 3]]), np.array([[0, 6, 3], [10, 3, 4]])


def _train_both(make_ours, make_theirs, steps=50, clip=None):
    """Train the NumPy model and its PyTorch twin side by side on the same batch; each side uses
    its own loss, backward and optimiser. Returns both parameter sets, named like ours."""
    model = tl.Transformer(tl.TransformerConfig(num_encoder_layers=2), seed=0)
    twin = torch_twin(model)
    ours, theirs = make_ours(model), make_theirs(twin.parameters())
    loss_fn = tl.CrossEntropyLoss()
    for _ in range(steps):
        loss_fn.forward(model.forward(SRC, TGT), TARGET)
        model.zero_grad()
        model.backward(loss_fn.backward())
        if clip is not None:
            tl.clip_grad_norm(model.gradients(), clip)
        ours.step()
        theirs.zero_grad()
        logits = twin(torch.as_tensor(SRC), torch.as_tensor(TGT))
        torch.nn.functional.cross_entropy(logits.reshape(-1, 11), torch.as_tensor(TARGET).reshape(-1)).backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(twin.parameters(), clip)
        theirs.step()
    return model, twin


def _assert_parameters_equal(model, twin, tol):
    """Every parameter within `tol`, then the logits of both. The key projection's bias is left
    out: its gradient is 0 in exact arithmetic, so both sides feed rounding noise to the
    optimiser (which Adam scales up to steps of size lr); it has no effect on any output."""
    theirs = from_torch(model, dict(twin.named_parameters()))
    start = tl.Transformer(model.config, seed=0).parameters()
    for name, value in model.parameters().items():
        if not zero_in_exact_arithmetic(name):
            assert tl.relative_error(value, theirs[name]) < tol, name
    assert any(not np.allclose(start[n], v) for n, v in model.parameters().items()), "training changed nothing"
    logits = twin(torch.as_tensor(SRC), torch.as_tensor(TGT)).detach().numpy()
    assert tl.relative_error(model.forward(SRC, TGT), logits) < tol


@pytest.mark.parametrize("betas, eps", [((0.9, 0.999), 1e-8), ((0.9, 0.98), 1e-9)])
def test_adam_tracks_torch_adam_for_50_steps(betas, eps):
    model, twin = _train_both(lambda m: tl.Adam(m, lr=1e-3, betas=betas, eps=eps),
                              lambda p: torch.optim.Adam(p, lr=1e-3, betas=betas, eps=eps))
    _assert_parameters_equal(model, twin, 1e-9)


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_sgd_tracks_torch_sgd_for_50_steps(momentum):
    model, twin = _train_both(lambda m: tl.SGD(m, lr=0.1, momentum=momentum),
                              lambda p: torch.optim.SGD(p, lr=0.1, momentum=momentum))
    _assert_parameters_equal(model, twin, 1e-9)


def test_adam_with_clipping_tracks_torch():
    model, twin = _train_both(lambda m: tl.Adam(m, lr=1e-2), lambda p: torch.optim.Adam(p, lr=1e-2), steps=20, clip=0.5)
    _assert_parameters_equal(model, twin, 1e-9)


def test_adam_on_an_unflattened_module():
    """Optimisers also work on a module whose parameters are separate arrays (one per name)."""
    layer = tl.LayerNorm(4)
    twin = torch.nn.LayerNorm(4, dtype=torch.float64)
    copy_to_torch(layer, twin)
    ours, theirs = tl.Adam(layer, lr=0.05), torch.optim.Adam(twin.parameters(), lr=0.05)
    x = np.random.default_rng(0).standard_normal((3, 4))
    target = np.random.default_rng(1).standard_normal((3, 4))
    for _ in range(50):
        layer.zero_grad()
        layer.backward(2 * (layer.forward(x) - target))
        ours.step()
        theirs.zero_grad()
        ((twin(torch.as_tensor(x)) - torch.as_tensor(target)) ** 2).sum().backward()
        theirs.step()
    assert tl.relative_error(layer.gamma, twin.weight.detach().numpy()) < 1e-9
    assert tl.relative_error(layer.beta, twin.bias.detach().numpy()) < 1e-9


@pytest.mark.parametrize("make_ours, make_theirs", [
    (lambda m: tl.Adam(m, lr=1e-2, betas=(0.9, 0.98), eps=1e-9),
     lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.9, 0.98), eps=1e-9)),
    (lambda m: tl.SGD(m, lr=0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
])
def test_given_the_same_gradients_every_parameter_tracks_torch(make_ours, make_theirs):
    """The optimiser alone: torch's optimiser steps a copy of the model's flat parameter vector
    with the model's own gradients (both updates act entry by entry, so one flat tensor is
    equivalent). Every parameter, the key bias included, agrees after 50 steps."""
    model = tl.Transformer(tl.TransformerConfig(num_encoder_layers=2), seed=0)
    (flat_params, flat_grads), = model.parameter_buffers()
    start = flat_params.copy()
    theirs = torch.tensor(start, requires_grad=True)
    ours, torch_optimizer = make_ours(model), make_theirs([theirs])
    loss = tl.CrossEntropyLoss()
    for _ in range(50):
        loss.forward(model.forward(SRC, TGT), TARGET)
        model.zero_grad()
        model.backward(loss.backward())
        theirs.grad = torch.tensor(flat_grads.copy())
        ours.step()
        torch_optimizer.step()
    expected = theirs.detach().numpy()
    assert np.all(np.abs(flat_params - expected) <= 1e-10 * np.abs(expected) + 1e-15)  # entry by entry
    assert np.mean(flat_params != start) > 0.95


@pytest.mark.parametrize("d_model, warmup", [(512, 4000), (6, 10)])
def test_warmup_schedule_is_the_papers_formula(d_model, warmup):
    steps = np.arange(1, 3 * warmup)
    lrs = np.array([tl.warmup_learning_rate(int(s), d_model, warmup) for s in steps])
    expected = d_model**-0.5 * np.minimum(steps**-0.5, steps * warmup**-1.5)
    np.testing.assert_allclose(lrs, expected, rtol=1e-14)
    assert lrs.argmax() + 1 == warmup  # rises linearly, peaks at warmup_steps, then decays
    assert tl.warmup_learning_rate(warmup, d_model, warmup, factor=2.0) == pytest.approx(2 * lrs[warmup - 1])


@pytest.mark.parametrize("max_norm", [0.01, 1.0, 1e6])
def test_clip_grad_norm_equals_torch(max_norm):
    rng = np.random.default_rng(0)
    grads = {"a": rng.standard_normal((3, 4)), "b": rng.standard_normal(5)}
    tensors = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads.values()]
    for t, g in zip(tensors, grads.values(), strict=True):
        t.grad = torch.tensor(g)
    expected_norm = torch.nn.utils.clip_grad_norm_(tensors, max_norm)
    norm = tl.clip_grad_norm(grads, max_norm)
    assert norm == pytest.approx(float(expected_norm), rel=1e-14)
    for t, g in zip(tensors, grads.values(), strict=True):
        assert tl.relative_error(g, t.grad.numpy()) < 1e-14
    clipped = np.sqrt(sum((g**2).sum() for g in grads.values()))
    assert clipped == pytest.approx(min(norm, max_norm), rel=1e-5)


def test_gradients_of_the_twin_match_before_any_step():
    """The comparisons above start from equal gradients (a sanity check of the setup)."""
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    twin = torch_twin(model)
    loss = tl.CrossEntropyLoss()
    loss.forward(model.forward(SRC, TGT), TARGET)
    model.zero_grad()
    model.backward(loss.backward())
    logits = twin(torch.as_tensor(SRC), torch.as_tensor(TGT))
    torch.nn.functional.cross_entropy(logits.reshape(-1, 11), torch.as_tensor(TARGET).reshape(-1)).backward()
    theirs = torch_gradients(model, twin)
    assert tl.relative_error(model.gradients()["generator.weight"], theirs["generator.weight"]) < 1e-10


@pytest.mark.parametrize("optimizer, settings, message", [
    ("Adam", dict(betas=(1.0, 0.98)), r"betas must be two numbers in \[0, 1\), got \(1.0, 0.98\)"),
    ("Adam", dict(lr=-0.1), r"lr must be a finite number >= 0, got -0.1"),
    ("Adam", dict(eps=-1e-8), r"eps must be a finite number >= 0, got -1e-08"),
    ("SGD", dict(lr=-0.1), r"lr must be a finite number >= 0, got -0.1"),
    ("SGD", dict(lr=0.1, momentum=-0.5), r"momentum must be a finite number >= 0, got -0.5"),
])
def test_settings_pytorch_refuses_are_refused_at_construction(optimizer, settings, message):
    """torch.optim refuses these settings in its constructor; ours do too, each naming the setting."""
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    with pytest.raises(ValueError):
        getattr(torch.optim, optimizer)(torch_twin(model).parameters(), **settings)
    with pytest.raises(ValueError, match=message):
        getattr(tl, optimizer)(model, **settings)
