"""The cross-attention explorer: rows are the decoder input, columns the source; only <pad>
source keys are masked (no causal mask); the figure shows the data function's numbers."""

import numpy as np
from drawn import drawn_matrices

from transformer_lib import toy
from transformer_lib.widgets.cross_attention import (
    cross_attention_data,
    cross_attention_explorer,
    cross_attention_view,
)


def test_default_is_the_running_example():
    model = toy.toy_model(seed=0)
    model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])
    expected = model.trace()["decoder.layers.0.cross_attn.weights"][0]
    d = cross_attention_data()
    np.testing.assert_array_equal(d["weights"], expected)
    assert np.all(np.isfinite(d["masked_scores"])) and np.all(d["weights"] > 0)  # no causal mask
    np.testing.assert_allclose(d["weights"].sum(axis=-1), 1.0, atol=1e-12)


def test_pad_keys_get_zero_weight_and_the_rest_is_unchanged():
    padded = cross_attention_data((5, 7, toy.PAD_ID))
    assert list(padded["source_padding"]) == [False, False, True]
    assert np.all(padded["weights"][..., 2] == 0.0) and np.all(np.isneginf(padded["masked_scores"][..., 2]))
    np.testing.assert_allclose(padded["weights"].sum(axis=-1), 1.0, atol=1e-12)
    short = toy.toy_model(seed=0)
    short.forward(np.array([[5, 7]]), toy.DECODER_INPUT_IDS[None])
    np.testing.assert_allclose(padded["weights"][..., :2], short.trace()["decoder.layers.0.cross_attn.weights"][0],
                               atol=1e-12)
    np.testing.assert_allclose(padded["decoder_output"], short.trace()["decoder_output"][0], atol=1e-12)


def test_figure_and_text_show_the_chosen_head():
    for head in (0, 1):
        view = cross_attention_view(9, 8, 5, head)
        d = cross_attention_data((9, 8, 5))
        scores, weights = drawn_matrices(view.figure)
        np.testing.assert_array_equal(weights, d["weights"][head])
        np.testing.assert_array_equal(scores, d["masked_scores"][head])
        assert view.text.startswith("source: cats love I; masked keys: none")
        assert f"head {head + 1} cross-attention weights" in view.text
        first = " ".join(f"{v:.4f}" for v in np.round(d["weights"][head, 0], 4) + 0.0)
        predicted = toy.token_names(d["predicted"][:1])[0]
        assert f"<bos> -> {predicted}: {first}" in view.text
    assert "masked keys: <pad>" in cross_attention_view(5, 8, toy.PAD_ID).text


def test_explorer_redraws():
    box = cross_attention_explorer()
    *words, head, weights = box.children[1].children
    assert weights.description == "weights" and weights.value == "untrained"
    assert [w.value for w in words] == list(toy.SOURCE_IDS)
    before_text, before_image = box.numbers.value, box.image.value
    words[2].value = toy.PAD_ID
    assert "masked keys: &lt;pad&gt;" in box.numbers.value and box.image.value != before_image
    head.value = 1
    assert "head 2" in box.numbers.value and box.numbers.value != before_text
