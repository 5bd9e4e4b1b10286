"""The source's running example end to end: vocabulary of 11, d_model 6, 2 heads, source 5 8 9
("I love cats"), target 0 6 3, decoder input <bos> 0 6: forward, loss, backward, one step."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy


def test_the_example_is_the_sources():
    assert len(toy.VOCAB) == 11
    assert toy.TOY_CONFIG.d_model == 6 and toy.TOY_CONFIG.num_heads == 2
    np.testing.assert_array_equal(toy.SOURCE_IDS, [5, 8, 9])
    np.testing.assert_array_equal(toy.TARGET_IDS, [0, 6, 3])
    np.testing.assert_array_equal(toy.DECODER_INPUT_IDS, [toy.BOS_ID, 0, 6])  # target shifted right
    assert toy.token_names(toy.SOURCE_IDS) == ["I", "love", "cats"]


@pytest.mark.parametrize("overrides", [{}, {"attention_scale": "d_model", "embed_scale": False}])
def test_forward_loss_backward_and_one_step(overrides):
    model = toy.toy_model(seed=0, **overrides)
    src, tgt, target = toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None], toy.TARGET_IDS[None]
    loss_fn = tl.CrossEntropyLoss()

    logits = model.forward(src, tgt)
    assert logits.shape == (1, 3, 11)
    trace = model.trace()
    assert trace["encoder.layers.0.self_attn.Q"].shape == (1, 2, 3, 3)  # (B, heads, tokens, d_k)
    assert trace["encoder.layers.0.self_attn.weights"].shape == (1, 2, 3, 3)
    assert trace["decoder.layers.0.cross_attn.weights"].shape == (1, 2, 3, 3)  # target x source
    assert np.all(np.triu(trace["decoder.layers.0.self_attn.weights"][0, 0], k=1) == 0.0)  # causal
    assert trace["encoder.layers.0.ffn.hidden"].shape == (1, 3, 24)

    loss = loss_fn.forward(logits, target)
    assert loss == pytest.approx(np.log(11), rel=0.5)  # an untrained model: about uniform
    model.zero_grad()
    model.backward(loss_fn.backward())
    assert all(np.all(np.isfinite(g)) for g in model.gradients().values())
    assert np.abs(model.gradients()["encoder.layers.0.self_attn.w_q.weight"]).max() > 0

    before = model.state_dict()
    tl.SGD(model, lr=0.05).step()
    changed = [name for name, value in model.parameters().items() if not np.array_equal(value, before[name])]
    assert len(changed) > 0.9 * len(before)
    assert loss_fn.forward(model.forward(src, tgt), target) < loss  # a small step downhill lowers the loss


def test_the_toy_model_is_deterministic():
    src, tgt = toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None]
    np.testing.assert_array_equal(toy.toy_model(seed=0).forward(src, tgt), toy.toy_model(seed=0).forward(src, tgt))
    assert not np.array_equal(toy.toy_model(seed=0).forward(src, tgt), toy.toy_model(seed=1).forward(src, tgt))


def test_running_example_is_one_cached_pass_with_read_only_copies():
    model, trace = toy.running_example()
    again = toy.running_example()
    assert again[0] is model and again[1] is trace  # built once
    fresh = toy.toy_model(seed=0)
    np.testing.assert_array_equal(trace["logits"], fresh.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None]))
    model.encode(np.array([[3, 4]]))  # running the shared model again leaves the copies alone
    assert trace["src_input"].shape == (1, 3, 6) and not trace["src_input"].flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        trace["memory"][0, 0, 0] = 1.0
