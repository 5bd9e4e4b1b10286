import numpy as np
from drawn import drawn_matrices

from transformer_lib.widgets.encoder_stack import encoder_stack_data, encoder_stack_explorer, encoder_stack_view


def test_adding_layers_keeps_the_earlier_layers():
    _, short = encoder_stack_data(1)
    _, long = encoder_stack_data(3)
    np.testing.assert_array_equal(short["layers.0.self_attn.weights"], long["layers.0.self_attn.weights"])
    assert "layers.2.self_attn.weights" in long


def test_view_draws_one_map_per_layer_and_the_output():
    for n in (1, 4, 6):
        view = encoder_stack_view(n, head=1)
        panels = drawn_matrices(view.figure)
        assert len(panels) == n + 1
        for m in panels[:-1]:
            np.testing.assert_allclose(m.sum(axis=1), 1.0, atol=1e-12)
        out, trace = encoder_stack_data(n)
        np.testing.assert_allclose(panels[-1], out[0])
        np.testing.assert_allclose(panels[0], trace["layers.0.self_attn.weights"][0, 1])
        assert view.text.count("\nlayer ") == n
        view.png()


def test_explorer_redraws():
    box = encoder_stack_explorer()
    before = box.numbers.value
    box.children[1].children[0].value = 5
    assert box.numbers.value != before and "5 layer(s)" in box.numbers.value
