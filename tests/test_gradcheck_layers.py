"""Every layer's hand-written backward, on its own, against centred finite differences
(`transformer_lib.gradient_check`): input gradients and every parameter gradient."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

TOL = 1e-7


def assert_passes(errors: dict[str, float], module=None) -> None:
    """Every relative error below TOL. A key projection's bias has gradient 0 in exact
    arithmetic (softmax ignores a constant added to a row), so there both sides are noise."""
    assert errors, "nothing was checked"
    for name, error in errors.items():
        if zero_in_exact_arithmetic(name):
            assert np.abs(module.gradients()[name]).max() < 1e-12, name
        else:
            assert error < TOL, (name, error)


def rng():
    return np.random.default_rng(0)


def test_linear():
    layer = tl.Linear(4, 3, rng())
    layer.bias[...] = 0.5
    x = rng().standard_normal((2, 3, 4))
    assert_passes(tl.gradient_check(layer.forward, layer.backward, {"x": x}, module=layer), layer)


def test_layer_norm():
    norm = tl.LayerNorm(5)
    norm.gamma[...] = rng().uniform(0.5, 1.5, 5)
    x = rng().standard_normal((2, 3, 5))
    assert_passes(tl.gradient_check(norm.forward, norm.backward, {"x": x}, module=norm))


@pytest.mark.parametrize("scale", [True, False])
def test_embedding(scale):
    embed = tl.Embedding(7, 4, rng(), scale=scale)
    tokens = np.array([[1, 3, 3], [6, 0, 1]])
    assert_passes(tl.gradient_check(lambda: embed.forward(tokens), embed.backward, {}, module=embed))


def test_feed_forward():
    ffn = tl.FeedForward(4, 8, rng())
    x = rng().standard_normal((2, 3, 4))
    assert_passes(tl.gradient_check(ffn.forward, ffn.backward, {"x": x}, module=ffn))


def test_softmax():
    x = rng().standard_normal((3, 5))
    assert_passes(tl.gradient_check(tl.softmax, lambda d: tl.softmax_backward(d, tl.softmax(x)), {"x": x}))


def test_cross_entropy_with_padding_and_label_smoothing():
    loss = tl.CrossEntropyLoss(ignore_index=1, label_smoothing=0.1)
    logits = rng().standard_normal((2, 4, 6))
    targets = np.array([[0, 5, 1, 1], [2, 3, 4, 1]])
    errors = tl.gradient_check(lambda z: np.array(loss.forward(z, targets)), lambda d: loss.backward() * d,
                               {"logits": logits})
    assert_passes(errors)


@pytest.mark.parametrize("scale", ["d_k", "d_model"])
def test_self_attention_with_causal_mask(scale):
    attn = tl.MultiHeadAttention(6, 2, rng(), scale=scale)
    x = rng().standard_normal((2, 4, 6))
    mask = tl.attention_mask(causal_length=4)
    errors = tl.gradient_check(lambda x: attn.forward(x, x, mask), lambda d: sum(attn.backward(d)), {"x": x}, module=attn)
    assert_passes(errors, attn)


def test_cross_attention_with_padding_mask():
    attn = tl.MultiHeadAttention(6, 3, rng())
    generator = rng()
    query, memory = generator.standard_normal((2, 3, 6)), generator.standard_normal((2, 5, 6))
    mask = tl.attention_mask(key_padding=np.array([[False] * 5, [False, False, False, True, True]]))
    errors = tl.gradient_check(lambda q, m: attn.forward(q, m, mask), attn.backward,
                               {"query": query, "memory": memory}, module=attn)
    assert_passes(errors, attn)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_layer(norm_first):
    layer = tl.EncoderLayer(tl.LayerConfig(d_model=4, num_heads=2, d_ff=8, norm_first=norm_first), rng())
    x = rng().standard_normal((2, 3, 4))
    mask = tl.attention_mask(key_padding=np.array([[False, False, False], [False, False, True]]))
    errors = tl.gradient_check(lambda x: layer.forward(x, mask), layer.backward, {"x": x}, module=layer)
    assert_passes(errors, layer)


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer(norm_first):
    layer = tl.DecoderLayer(tl.LayerConfig(d_model=4, num_heads=2, d_ff=8, norm_first=norm_first), rng())
    generator = rng()
    y, memory = generator.standard_normal((2, 3, 4)), generator.standard_normal((2, 4, 4))
    self_mask = tl.attention_mask(causal_length=3)
    memory_mask = tl.attention_mask(key_padding=np.array([[False] * 4, [False, False, True, True]]))
    errors = tl.gradient_check(lambda y, m: layer.forward(y, m, self_mask, memory_mask), layer.backward,
                               {"y": y, "memory": memory}, module=layer)
    assert_passes(errors, layer)


@pytest.mark.parametrize("norm_first", [False, True])
def test_encoder_and_decoder_stacks(norm_first):
    """Pre-norm stacks end with a final LayerNorm (``norm``), whose gain and bias are checked too."""
    config = tl.LayerConfig(d_model=4, num_heads=2, d_ff=6, norm_first=norm_first)
    encoder, decoder = tl.Encoder(2, config, rng()), tl.Decoder(2, config, rng())
    noise = np.random.default_rng(7)
    for stack in (encoder, decoder):
        assert ("norm.gamma" in stack.parameters()) == norm_first
        for p in stack.parameters().values():  # a final gain of 1 and bias of 0 would hide a swap
            p += 0.2 * noise.standard_normal(p.shape)
    generator = rng()
    x, y = generator.standard_normal((1, 3, 4)), generator.standard_normal((1, 2, 4))
    assert_passes(tl.gradient_check(encoder.forward, encoder.backward, {"x": x}, module=encoder), encoder)
    mask = tl.attention_mask(causal_length=2)
    errors = tl.gradient_check(lambda y, m: decoder.forward(y, m, mask), decoder.backward,
                               {"y": y, "memory": x}, module=decoder)
    assert_passes(errors, decoder)


@pytest.mark.parametrize("norm_first", [False, True])
def test_whole_transformer_every_parameter(norm_first):
    config = tl.TransformerConfig(src_vocab_size=5, tgt_vocab_size=6, d_model=4, num_heads=2, d_ff=6,
                                  norm_first=norm_first, pad_id=0)
    model = tl.Transformer(config, seed=1)
    src, tgt = np.array([[1, 2, 4], [3, 4, 0]]), np.array([[1, 5, 3], [2, 4, 0]])
    errors = tl.gradient_check(lambda: model.forward(src, tgt), model.backward, {}, module=model)
    assert len(errors) == len(model.parameters())
    assert_passes(errors, model)
