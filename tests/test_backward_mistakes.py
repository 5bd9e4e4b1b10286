"""The deliberately wrong backward passes are wrong exactly where they should be, and
`wrong_backward` leaves the model's own backward intact afterwards."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.lessons.backward_mistakes import (
    MISTAKES,
    layer_norm_backward_without_statistics,
    loss_gradients,
    softmax_backward_diagonal,
    wrong_backward,
)

BATCH = (toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None], toy.TARGET_IDS[None])


def wrong_parameters(mistake):
    model = toy.toy_model(seed=0)
    right, bad = loss_gradients(model, *BATCH), loss_gradients(model, *BATCH, mistake=mistake)
    return {name for name in right if tl.relative_error(bad[name], right[name]) > 1e-3}, right, bad


def test_the_correct_backward_matches_centred_differences():
    model = toy.toy_model(seed=0)
    grads = loss_gradients(model, *BATCH)
    probe = toy.toy_model(seed=0)
    for name in ("generator.weight", "decoder.layers.0.norm2.gamma", "encoder.layers.0.self_attn.w_q.weight"):
        numerical = tl.numerical_gradient(lambda: tl.CrossEntropyLoss().forward(probe.forward(*BATCH[:2]), BATCH[2]),
                                          probe.parameters()[name])
        assert tl.relative_error(grads[name], numerical) < 1e-6, name


def test_layer_norm_mistake_spoils_everything_below_the_last_norm():
    wrong, _, _ = wrong_parameters("layer_norm")
    # The output layer and the last norm's own gain and bias are computed before its wrong dx.
    untouched = {"generator.weight", "generator.bias", "decoder.layers.0.norm3.gamma", "decoder.layers.0.norm3.beta"}
    assert wrong.isdisjoint(untouched)
    assert {"decoder.layers.0.ffn.linear1.weight", "encoder.layers.0.norm1.gamma", "src_embed.weight"} <= wrong


def test_softmax_mistake_spares_the_paths_that_avoid_the_attention_softmax():
    wrong, right, bad = wrong_parameters("softmax_diagonal")
    assert "decoder.layers.0.cross_attn.w_q.weight" in wrong and "encoder.layers.0.self_attn.w_k.weight" in wrong
    for name in ("decoder.layers.0.cross_attn.w_v.weight", "decoder.layers.0.cross_attn.w_o.weight",
                 "decoder.layers.0.ffn.linear1.weight", "generator.weight"):
        assert name not in wrong, name
        np.testing.assert_allclose(bad[name], right[name], atol=1e-15)
    # The right key bias gradient is 0 (a shift of a whole row of scores); the wrong one is not.
    assert np.abs(right["decoder.layers.0.cross_attn.w_k.bias"]).max() < 1e-15
    assert np.abs(bad["decoder.layers.0.cross_attn.w_k.bias"]).max() > 1e-4


def test_wrong_formulas_differ_from_the_right_ones():
    rng = np.random.default_rng(0)
    p, dp = tl.softmax(rng.normal(size=(2, 5))), rng.normal(size=(2, 5))
    assert not np.allclose(softmax_backward_diagonal(dp, p), tl.softmax_backward(dp, p))
    norm = tl.LayerNorm(6)
    x, dout = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    norm.forward(x)
    assert not np.allclose(layer_norm_backward_without_statistics(norm, dout), norm.backward(dout))
    np.testing.assert_allclose(layer_norm_backward_without_statistics(norm, dout), dout / norm.trace()["std"])


def test_wrong_backward_restores_the_model_even_after_an_error():
    model = toy.toy_model(seed=0)
    right = loss_gradients(model, *BATCH)
    for mistake in ("layer_norm", "softmax_diagonal"):
        with pytest.raises(RuntimeError), wrong_backward(model, mistake):
            raise RuntimeError("interrupted")
    assert all(step not in m.__dict__ for _, m in model.named_modules() for step in m.overridable)
    again = loss_gradients(model, *BATCH)
    assert all(np.array_equal(again[k], right[k]) for k in right)
    with pytest.raises(ValueError, match="mistake must be one of"), wrong_backward(model, "typo"):
        pass
    assert set(MISTAKES) == {"none", "layer_norm", "softmax_diagonal"}
