"""The attention explorer and the multi-head view: a lower temperature sharpens every row, the
causal mask zeroes the upper triangle exactly, other tokens give other weights, rows sum to 1,
and every number is the package's own attention."""

import math

import numpy as np
import pytest
from drawn import drawn_matrices

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.lessons.attention_scale import row_entropy
from transformer_lib.lessons.heads import attention_multiply_adds
from transformer_lib.widgets.attention import (
    HEAD_CHOICES,
    NUM_HEADS_CHOICES,
    attention_data,
    attention_explorer,
    attention_view,
    multi_head_data,
    multi_head_explorer,
    multi_head_view,
    toy_attention,
)

HEADS = [value for _, value in HEAD_CHOICES]



def toy_trace():
    model = toy.toy_model(seed=0)
    model.encode(toy.SOURCE_IDS[None])
    return model.trace()


def figure_panels(view):
    return drawn_matrices(view.figure, fill=np.nan)


@pytest.mark.parametrize("num_heads, head", HEADS)
@pytest.mark.parametrize("masked", [False, True])
def test_lower_temperature_sharpens_every_row(num_heads, head, masked):
    temperatures = [3.0, 1.0, 0.5, 0.1]
    runs = [attention_data(temperature=t, num_heads=num_heads, head=head, masked=masked)["weights"]
            for t in temperatures]
    for hotter, colder in zip(runs, runs[1:], strict=False):
        free = hotter.max(axis=1) < 1.0  # a masked first row is one-hot at every temperature
        assert np.all(colder.max(axis=1)[free] > hotter.max(axis=1)[free])
        assert np.all(row_entropy(colder)[free] < row_entropy(hotter)[free])
        assert np.all(colder.argmax(axis=1) == hotter.argmax(axis=1))


def test_temperature_one_is_the_toy_models_attention():
    trace = toy_trace()
    for num_heads, head in HEADS[1:]:
        d = attention_data(num_heads=num_heads, head=head)
        for name, key in [("Q", "Q"), ("K", "K"), ("V", "V"), ("scores", "scores"), ("scaled_scores", "scaled_scores"),
                          ("weights", "weights"), ("output", "head_outputs")]:
            np.testing.assert_allclose(d[name], trace[f"encoder.layers.0.self_attn.{key}"][0, head], atol=1e-12)
        assert d["scale"] == pytest.approx(1 / math.sqrt(3))
    np.testing.assert_array_equal(attention_data()["X"], trace["src_input"][0])


def test_single_head_uses_the_same_weights_as_the_two_heads():
    single, trace = attention_data(), toy_trace()
    for name in ("Q", "K", "V"):
        np.testing.assert_allclose(single[name], np.hstack(trace[f"encoder.layers.0.self_attn.{name}"][0]), atol=1e-12)
    assert single["d_k"] == 6 and single["scale"] == pytest.approx(1 / math.sqrt(6))


@pytest.mark.parametrize("temperature", [0.1, 0.7, 1.0, 2.5])
@pytest.mark.parametrize("num_heads, head", HEADS)
@pytest.mark.parametrize("masked", [False, True])
def test_numbers_are_scaled_dot_product_attention(temperature, num_heads, head, masked):
    d = attention_data((7, 8, 10), temperature, num_heads, head, masked)
    mask = tl.causal_mask(3) if masked else None
    output, weights = tl.scaled_dot_product_attention(d["Q"], d["K"], d["V"], mask,
                                                      scale=1 / (temperature * math.sqrt(d["d_k"])))
    np.testing.assert_array_equal(d["weights"], weights)
    np.testing.assert_array_equal(d["output"], output)
    np.testing.assert_allclose(d["scores"], d["Q"] @ d["K"].T, atol=1e-12)
    np.testing.assert_allclose(d["weights"], tl.softmax(d["scaled_scores"]), atol=1e-15)
    np.testing.assert_allclose(d["weights"].sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize("num_heads, head", HEADS)
def test_mask_zeroes_the_upper_triangle_exactly(num_heads, head):
    d = attention_data(masked=True, num_heads=num_heads, head=head)
    upper = np.triu(np.ones((3, 3), dtype=bool), k=1)
    assert np.all(d["weights"][upper] == 0.0) and np.all(d["weights"][~upper] > 0)
    assert np.all(np.isneginf(d["scaled_scores"][upper])) and np.all(np.isfinite(d["scaled_scores"][~upper]))
    assert d["weights"][0, 0] == 1.0
    unmasked = attention_data(masked=False, num_heads=num_heads, head=head)
    assert np.all(unmasked["weights"] > 0)


def test_changed_token_changes_the_weights():
    base = attention_data()
    for position in range(3):
        tokens = list(toy.SOURCE_IDS)
        tokens[position] = 7  # dogs
        changed = attention_data(tuple(tokens))
        assert not np.allclose(changed["weights"], base["weights"])
        assert not np.allclose(changed["X"][position], base["X"][position])
        others = [p for p in range(3) if p != position]
        np.testing.assert_array_equal(changed["X"][others], base["X"][others])


def test_view_shows_the_data():
    for settings in [{}, {"temperature": 0.3, "num_heads": 2, "head": 1, "masked": True}]:
        view = attention_view(**settings)
        d = attention_data(**settings)
        scores, scaled, weights, output = figure_panels(view)
        np.testing.assert_array_equal(scores, d["scores"])
        np.testing.assert_array_equal(np.nan_to_num(scaled, nan=-np.inf), d["scaled_scores"])
        np.testing.assert_array_equal(weights, d["weights"])
        np.testing.assert_array_equal(output, d["output"])
        for row in np.round(d["weights"], 4) + 0.0:
            assert " ".join(f"{v:.4f}" for v in row) in view.text
        assert f"causal mask: {'on' if settings.get('masked') else 'off'}" in view.text
        assert view.png()[:4] == b"\x89PNG"
    assert "single head, d_k = 6; temperature 1.00" in attention_view().text


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="temperature"):
        attention_data(temperature=0.0)
    with pytest.raises(ValueError, match="head"):
        attention_data(num_heads=2, head=2)
    with pytest.raises(ValueError, match="tokens"):
        attention_data((5, 8, 11))
    with pytest.raises(ValueError, match="num_heads"):
        multi_head_data(4)


def test_explorer_controls_redraw():
    box = attention_explorer()
    token_1, token_2, token_3, temperature, head, mask, weights = box.children[1].children
    assert [c.description for c in (token_1, token_2, token_3, temperature, head, mask, weights)] == [
        "token 1", "token 2", "token 3", "temperature", "head", "causal mask", "weights"]
    assert type(temperature).__name__ == "FloatSlider" and type(token_1).__name__ == "Dropdown"
    assert [label for label, _ in token_1.options] == list(toy.VOCAB)
    assert (token_1.value, token_2.value, token_3.value, temperature.value) == (5, 8, 9, 1.0)
    text, image = box.numbers.value, box.image.value
    temperature.value = 1.1
    assert "temperature 1.10" in box.numbers.value and box.image.value != image and box.numbers.value != text
    text, image = box.numbers.value, box.image.value
    token_3.value = 7
    assert "tokens: I love dogs" in box.numbers.value and box.image.value != image
    head.value = (2, 1)
    mask.value = True
    assert "head 2 of 2, d_k = 3" in box.numbers.value and "causal mask: on" in box.numbers.value


@pytest.mark.parametrize("num_heads", NUM_HEADS_CHOICES)
def test_multi_head_data_is_the_weights_regrouped(num_heads):
    d = multi_head_data(num_heads)
    single = multi_head_data(1)
    d_k = 6 // num_heads
    assert d["d_k"] == d_k and d["scale"] == pytest.approx(1 / math.sqrt(d_k))
    for name in ("Q", "K", "V"):
        np.testing.assert_allclose(np.concatenate(list(d[name]), axis=-1), single[name][0], atol=1e-12)
    np.testing.assert_allclose(d["concat"], np.concatenate(list(d["head_outputs"]), axis=-1), atol=1e-12)
    np.testing.assert_allclose(d["weights"].sum(axis=-1), 1.0, atol=1e-12)
    attn = toy_attention(num_heads)
    assert attn.num_parameters() == 168
    assert attention_multiply_adds(3, 6, num_heads)["total"] == attention_multiply_adds(3, 6, 1)["total"]
    if num_heads == 2:
        np.testing.assert_allclose(d["output"], toy_trace()["encoder.layers.0.self_attn.output"][0], atol=1e-12)


def test_source_scale_flattens_the_two_heads():
    paper, source = multi_head_data(2, "d_k"), multi_head_data(2, "d_model")
    np.testing.assert_allclose(source["scores"], paper["scores"], atol=1e-12)
    np.testing.assert_allclose(source["scaled_scores"] * math.sqrt(6), paper["scaled_scores"] * math.sqrt(3),
                               atol=1e-12)
    assert np.all(row_entropy(source["weights"]) > row_entropy(paper["weights"]))
    np.testing.assert_allclose(multi_head_data(1, "d_model")["weights"], multi_head_data(1, "d_k")["weights"],
                               atol=1e-15)


def test_multi_head_view_and_explorer():
    view = multi_head_view(3, 2)
    d = multi_head_data(3)
    panels = figure_panels(view)
    for h in range(3):
        np.testing.assert_array_equal(panels[h], d["weights"][h])
    np.testing.assert_array_equal(panels[-5], d["Q"][2])
    np.testing.assert_array_equal(panels[-1], d["concat"])
    assert "heads: 3, d_k = 6 / 3 = 2" in view.text and "parameters: 168" in view.text
    assert multi_head_view(3, 2, seed=1).text != view.text  # the seed picks the weights
    one = figure_panels(multi_head_view(1, 0))
    assert len(one) == 1 + 4  # one weight map; Q, K, V and the output, which is the concatenation
    np.testing.assert_array_equal(one[-1], multi_head_data(1)["concat"])
    box = multi_head_explorer()
    num_heads, head, scale, weights = box.children[1].children
    assert (num_heads.description, head.description, scale.description, weights.description) == (
        "heads", "head", "divide by", "weights")
    num_heads.value = 6
    assert len(head.options) == 6 and "heads: 6, d_k = 6 / 6 = 1" in box.numbers.value
    head.value = 5
    num_heads.value = 2
    assert head.value == 0 and len(head.options) == 2 and "heads: 2" in box.numbers.value
    scale.value = "d_model"
    assert "scores / sqrt(6)" in box.numbers.value and "the source document" in box.numbers.value
