"""Shared embeddings (paper section 3.4): one matrix is the source embedding, the target
embedding and, transposed, the output projection. Its gradient is the sum of the three uses:
checked against PyTorch with tied parameters (autograd), against the three gradients of an
untied model holding the same numbers, and by finite differences."""

import numpy as np
import pytest
import torch

import transformer_lib as tl
from transformer_lib.reference.torch_model import torch_gradients, torch_twin
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

SRC, TGT = np.array([[1, 4, 2, 0], [3, 3, 5, 6]]), np.array([[2, 6, 0], [1, 5, 5]])


def config(share=True, **changes):
    return tl.TransformerConfig(src_vocab_size=7, tgt_vocab_size=7, d_model=4, num_heads=2, d_ff=8,
                                num_encoder_layers=2, num_decoder_layers=2, pad_id=0, share_embeddings=share,
                                **changes)


def test_one_matrix_serves_three_uses_and_is_counted_once():
    shared, separate = tl.Transformer(config(), seed=0), tl.Transformer(config(share=False), seed=0)
    table = shared.src_embed.weight
    assert np.shares_memory(shared.tgt_embed.weight, table) and np.shares_memory(shared.generator.weight, table)
    np.testing.assert_array_equal(shared.generator.weight, table.T)
    names = set(shared.parameters())
    assert "src_embed.weight" in names and not {"tgt_embed.weight", "generator.weight"} & names
    assert separate.num_parameters() - shared.num_parameters() == 2 * 7 * 4
    assert set(shared.gradients()) == names


def test_the_gradient_is_the_sum_of_the_three_uses():
    """An untied model holding the same numbers in three places: its three gradients add up to
    the tied model's one."""
    shared, separate = tl.Transformer(config(), seed=0), tl.Transformer(config(share=False), seed=0)
    state = shared.state_dict()
    table = state["src_embed.weight"]
    separate.load_state_dict(state | {"tgt_embed.weight": table, "generator.weight": table.T})
    dlogits = np.random.default_rng(1).standard_normal((2, 3, 7))
    for model in (shared, separate):
        np.testing.assert_allclose(model.forward(SRC, TGT), shared.forward(SRC, TGT), rtol=1e-14)
        model.zero_grad()
        model.backward(dlogits)
    g = separate.gradients()
    total = g["src_embed.weight"] + g["tgt_embed.weight"] + g["generator.weight"].T
    assert tl.relative_error(shared.gradients()["src_embed.weight"], total) < 1e-14
    assert min(np.abs(g[name]).max() for name in ("src_embed.weight", "tgt_embed.weight", "generator.weight")) > 0


def test_gradients_equal_pytorch_with_tied_parameters():
    model = tl.Transformer(config(), seed=2)
    logits = model.forward(SRC, TGT)
    dlogits = np.random.default_rng(3).standard_normal(logits.shape)
    model.zero_grad()
    model.backward(dlogits)
    twin = torch_twin(model)
    assert twin.generator.weight is twin.src_embed.weight is twin.tgt_embed.weight  # PyTorch's own tying
    expected = twin(torch.as_tensor(SRC), torch.as_tensor(TGT), torch.as_tensor(SRC == 0), torch.as_tensor(TGT == 0))
    assert tl.relative_error(logits, expected.detach().numpy()) < 1e-10
    (expected * torch.as_tensor(dlogits)).sum().backward()
    theirs = torch_gradients(model, twin)
    assert theirs.keys() == model.gradients().keys()
    for name, grad in model.gradients().items():
        if not zero_in_exact_arithmetic(name):
            assert tl.relative_error(grad, theirs[name]) < 1e-9, name


def test_gradients_against_finite_differences():
    model = tl.Transformer(config(), seed=4)
    errors = tl.gradient_check(lambda: model.forward(SRC, TGT), model.backward, {}, module=model)
    assert errors["src_embed.weight"] < 1e-7
    for name, error in errors.items():
        if not zero_in_exact_arithmetic(name):
            assert error < 1e-7, (name, error)


@pytest.mark.parametrize("fast", [False, True])
def test_training_steps_and_checkpoints_keep_the_tie(fast):
    from transformer_lib import fast as fast_path

    model = tl.Transformer(config(), seed=5)
    if fast:
        fast_path.accelerate(model)
    adam, loss_fn = tl.Adam(model, lr=0.01), tl.CrossEntropyLoss(ignore_index=0)
    before = model.src_embed.weight.copy()
    for _ in range(2):
        loss_fn.forward(model.forward(SRC, TGT), np.array([[6, 2, 0], [5, 5, 4]]))
        model.zero_grad()
        model.backward(loss_fn.backward())
        adam.step()
    assert not np.array_equal(model.src_embed.weight, before)
    np.testing.assert_array_equal(model.generator.weight, model.src_embed.weight.T)
    restored = tl.Transformer(config(), seed=9)
    restored.load_state_dict(model.state_dict())
    np.testing.assert_array_equal(restored.tgt_embed.weight, model.src_embed.weight)
    np.testing.assert_allclose(restored.forward(SRC, TGT), model.forward(SRC, TGT), rtol=1e-12)  # fast: rounding


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="share_embeddings=True needs one vocabulary"):
        tl.TransformerConfig(src_vocab_size=7, tgt_vocab_size=8, share_embeddings=True)
    with pytest.raises(TypeError, match="share_embeddings must be True or False"):
        tl.TransformerConfig(share_embeddings="yes")
    model = tl.Transformer(config(share=False), seed=0)
    with pytest.raises(ValueError, match="cannot tie 'weight' of shape"):
        model.generator.tie_parameter("weight", model.src_embed, "weight")  # needs the transpose
    with pytest.raises(ValueError, match="no parameter 'table'"):
        model.generator.tie_parameter("table", model.src_embed, "weight")
