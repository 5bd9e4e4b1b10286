"""`Module.override`, the one hook for putting a function of one's own into a layer or a whole
model: it reaches every layer of the given class, the replacement is called as the step it
replaces, and the layer's own code comes back on leaving the block, also after an error."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy

BATCH = (toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None], toy.TARGET_IDS[None])


def gradients(model, **override):
    """Every parameter's gradient of the running example's loss; with `override` = dict(kind=...,
    step=function), computed inside ``model.override``."""
    loss = tl.CrossEntropyLoss()
    loss.forward(model.forward(*BATCH[:2]), BATCH[2])
    model.zero_grad()
    if override:
        kind = override.pop("kind")
        with model.override(kind, **override):
            model.backward(loss.backward())
    else:
        model.backward(loss.backward())
    return {name: grad.copy() for name, grad in model.gradients().items()}


def layer_norm_backward_from_the_formula(norm, dout):
    """A reader's layer-norm backward, from the public trace and gradients only:
    dx = (g - mean(g) - x_hat mean(g x_hat)) / std with g = dout gamma."""
    x_hat, std = norm.trace()["normalized"], norm.trace()["std"]
    grads = norm.gradients()
    grads["gamma"] += (dout * x_hat).reshape(-1, norm.d_model).sum(axis=0)
    grads["beta"] += dout.reshape(-1, norm.d_model).sum(axis=0)
    g = dout * norm.gamma
    return (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True)) / std


def test_a_readers_correct_backward_in_every_layer_norm_gives_the_same_gradients():
    model = toy.toy_model(seed=0)
    calls = []

    def counted(norm, dout):
        calls.append(norm)
        return layer_norm_backward_from_the_formula(norm, dout)

    ours = gradients(model)
    theirs = gradients(model, kind=tl.LayerNorm, backward=counted)
    norms = [m for _, m in model.named_modules() if isinstance(m, tl.LayerNorm)]
    assert len(norms) == 5 and sorted(map(id, calls)) == sorted(map(id, norms))  # each norm once, as itself
    for name in ours:
        np.testing.assert_allclose(theirs[name], ours[name], rtol=1e-10, atol=1e-14, err_msg=name)


def test_a_wrong_backward_changes_the_gradients_and_is_gone_after_the_block():
    model = toy.toy_model(seed=0)
    right = gradients(model)
    wrong = gradients(model, kind=tl.LayerNorm, backward=lambda norm, dout: dout * norm.gamma / norm.trace()["std"])
    assert tl.relative_error(wrong["src_embed.weight"], right["src_embed.weight"]) > 1e-3
    again = gradients(model)
    assert all(np.array_equal(again[name], right[name]) for name in right)


def test_the_attention_softmax_backward_is_called_with_the_functions_arguments():
    """A static step gets exactly softmax_backward's arguments (no layer first)."""
    model = toy.toy_model(seed=0)
    seen = []

    def spy(dout, probs):
        seen.append(probs.shape)
        return tl.softmax_backward(dout, probs)

    right = gradients(model)
    spied = gradients(model, kind=tl.MultiHeadAttention, softmax_backward=spy)
    assert seen == [(1, 2, 3, 3)] * 3  # cross-attention, decoder self-attention, encoder self-attention
    assert all(np.array_equal(spied[name], right[name]) for name in right)


def test_forward_of_one_layer_and_the_embedding_lookup_of_a_model():
    ffn = tl.FeedForward(6, 24, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 6))
    with ffn.override(forward=lambda layer, x: 2 * x) as same:
        assert same is ffn
        np.testing.assert_array_equal(ffn.forward(x), 2 * x)
    assert not np.array_equal(ffn.forward(x), 2 * x)

    model = toy.toy_model(seed=0)
    logits = model.forward(*BATCH[:2])
    with model.override(tl.Embedding, lookup=lambda embed, tokens: np.zeros((*tokens.shape, 6))):
        flat = model.forward(*BATCH[:2])
    assert not np.allclose(flat, logits)
    np.testing.assert_array_equal(model.forward(*BATCH[:2]), logits)


def test_nested_blocks_restore_in_order_even_after_an_error():
    norm = tl.LayerNorm(4)
    x = np.random.default_rng(0).standard_normal((3, 4))
    with norm.override(forward=lambda layer, x: x + 1):
        with pytest.raises(RuntimeError), norm.override(forward=lambda layer, x: x + 2):
            np.testing.assert_array_equal(norm.forward(x), x + 2)
            raise RuntimeError("interrupted")
        np.testing.assert_array_equal(norm.forward(x), x + 1)
    assert "forward" not in norm.__dict__
    np.testing.assert_allclose(norm.forward(x).mean(axis=-1), 0.0, atol=1e-12)


def test_bad_overrides_are_refused_before_anything_is_swapped():
    model = toy.toy_model(seed=0)
    with pytest.raises(ValueError, match=r"'softmax_backward' is not a step of LayerNorm that can be overridden: "
                                         r"expected one of \['forward', 'backward'\]"):
        with model.override(tl.LayerNorm, backward=lambda n, d: d, softmax_backward=tl.softmax_backward):
            pass
    with pytest.raises(TypeError, match="backward must be a function, got 3"):
        with model.override(tl.LayerNorm, backward=3):
            pass
    with pytest.raises(TypeError, match="kind must be a Module class such as LayerNorm, got 'LayerNorm'"):
        with model.override("LayerNorm", backward=lambda n, d: d):
            pass
    with pytest.raises(ValueError, match="Transformer contains no Linear"):
        with model.override(type("Linear", (tl.Module,), {}), backward=lambda m, d: d):
            pass
    with pytest.raises(ValueError, match="override needs at least one step"):
        with model.override(tl.LayerNorm):
            pass
    assert all(step not in m.__dict__ for _, m in model.named_modules() for step in m.overridable)
