"""The backpropagation explorer: the view draws the two gradients it reports, they agree for the
package's backward and disagree, where they should, for a mistaken one."""

import numpy as np
import pytest
from drawn import drawn_matrices

from transformer_lib import toy
from transformer_lib.lessons.backward_mistakes import loss_gradients
from transformer_lib.widgets.backprop_check import (
    PARAMETERS,
    backprop_check_data,
    backprop_check_explorer,
    backprop_check_view,
    layout_parameter,
)


def panels(view):
    return drawn_matrices(view.figure)


@pytest.mark.parametrize("parameter", ["generator.weight", "decoder.layers.0.cross_attn.w_q.weight",
                                       "src_embed.weight", "decoder.layers.0.norm3.gamma"])
def test_the_package_backward_agrees(parameter):
    d = backprop_check_data(parameter)
    assert d["relative_error"] < 1e-6
    grads = loss_gradients(toy.toy_model(seed=0), toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None],
                           toy.TARGET_IDS[None])
    np.testing.assert_array_equal(d["backprop"], grads[parameter])
    view = backprop_check_view(parameter)
    drawn = panels(view)
    np.testing.assert_allclose(drawn[0], np.atleast_2d(np.round(d["backprop"], 3)), atol=1e-12)
    np.testing.assert_allclose(drawn[1], np.atleast_2d(np.round(d["numerical"], 3)), atol=1e-12)
    assert "agree" in view.text and "WRONG" not in view.text


@pytest.mark.parametrize("parameter, mistake, wrong", [
    ("decoder.layers.0.cross_attn.w_q.weight", "softmax_diagonal", True),
    ("decoder.layers.0.cross_attn.w_v.weight", "softmax_diagonal", False),   # dV avoids the softmax
    ("generator.weight", "layer_norm", False),                               # above every layer norm
    ("decoder.layers.0.norm2.gamma", "layer_norm", True),                    # below the last one
])
def test_a_mistake_shows_where_it_reaches(parameter, mistake, wrong):
    d = backprop_check_data(parameter, mistake)
    assert (d["relative_error"] > 1e-2) == wrong
    text = backprop_check_view(parameter, mistake).text
    assert ("WRONG" in text) == wrong
    assert f"relative error {d['relative_error']:.4f}" in text if wrong else "agree" in text


def test_a_zero_gradient_is_reported_as_zero_not_as_an_error():
    d = backprop_check_data("decoder.layers.0.cross_attn.w_k.bias")
    assert np.abs(d["backprop"]).max() < 1e-12 and np.abs(d["numerical"]).max() < 1e-7
    assert "0 up to rounding" in backprop_check_view("decoder.layers.0.cross_attn.w_k.bias").text


def test_every_offered_parameter_exists_and_unknown_ones_are_refused():
    names = set(toy.toy_model(seed=0).parameters())
    assert set(PARAMETERS) <= names
    with pytest.raises(ValueError, match="parameter must be one of"):
        backprop_check_data("encoder.layers.0.norm9.gamma")


def test_explorer_redraws_when_a_control_moves():
    box = backprop_check_explorer()
    before = box.numbers.value
    box.children[1].children[1].value = "softmax_diagonal"
    assert box.numbers.value != before and "WRONG" in box.numbers.value
    assert box.image.value[:4] == b"\x89PNG"


def test_parameters_drawn_alike_share_one_live_figure_and_each_shows_its_pure_view():
    from test_widgets_live import assert_same_picture, controls

    box = backprop_check_explorer()
    parameter = controls(box)["parameter"]
    figure = box.live_figure()
    for name in ["decoder.layers.0.self_attn.w_q.weight", "encoder.layers.0.self_attn.w_q.weight"]:  # (6, 6) too
        parameter.value = name
        assert box.live_figure() is figure
        assert_same_picture(box.image.value, backprop_check_view(name).png())
    parameter.value = "decoder.layers.0.norm2.gamma"  # a vector: another layout
    assert box.live_figure() is not figure
    figure = box.live_figure()
    parameter.value = "decoder.layers.0.ffn.linear2.bias"
    assert box.live_figure() is figure
    assert_same_picture(box.image.value, backprop_check_view("decoder.layers.0.ffn.linear2.bias").png())
    assert len({layout_parameter(name) for name in PARAMETERS}) == 5
