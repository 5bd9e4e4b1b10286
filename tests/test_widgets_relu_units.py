import numpy as np

from transformer_lib.lessons.toy import SOURCE_IDS, toy_model
from transformer_lib.widgets.relu_units import relu_units_data, relu_units_explorer, relu_units_view


def test_default_matches_the_running_example():
    model = toy_model(seed=0)
    model.encode(SOURCE_IDS[None])
    t = model.trace()
    for token in range(3):
        d = relu_units_data(token)
        np.testing.assert_allclose(d["hidden"][0], t["encoder.layers.0.ffn.hidden"][0, token], atol=1e-12)
        ffn_out = t["encoder.layers.0.ffn_sum"][0, token] - t["encoder.layers.0.add_norm_1"][0, token]
        np.testing.assert_allclose(d["output"][0], ffn_out, atol=1e-12)
        np.testing.assert_array_equal(d["off"], np.flatnonzero(d["hidden"][0] <= 0))


def test_positive_scaling_keeps_the_pattern_when_biases_are_zero():
    base = relu_units_data(1)
    for scale in (0.25, 2.0):
        np.testing.assert_array_equal(relu_units_data(1, scale)["off"], base["off"])
    flipped = relu_units_data(1, -1.0)
    on = np.setdiff1d(np.arange(24), base["off"])
    np.testing.assert_array_equal(np.intersect1d(flipped["off"], on), on)  # every unit that was on is now off


def test_a_bias_moves_units_across_zero():
    assert len(relu_units_data(1, bias=0.5)["off"]) < len(relu_units_data(1)["off"])
    assert len(relu_units_data(1, bias=-0.5)["off"]) > len(relu_units_data(1)["off"])


def test_view_and_explorer():
    view = relu_units_view(2)
    assert "token 'cats'" in view.text and "units off (14 of 24)" in view.text
    hidden, activated = (np.asarray(ax.images[0].get_array()) for ax in view.figure.axes)
    np.testing.assert_array_equal(activated, np.maximum(hidden, 0))
    view.png()
    box = relu_units_explorer()
    before = box.numbers.value
    box.children[1].children[1].value = -1.0
    assert box.numbers.value != before
