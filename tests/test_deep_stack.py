import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.lessons.deep_stack import NoResidualEncoderLayer, build_stack, input_gradient_norms


def make_layer(norm_first):
    return NoResidualEncoderLayer(tl.LayerConfig(d_model=6, num_heads=2, d_ff=12, norm_first=norm_first),
                                  np.random.default_rng(3))


@pytest.mark.parametrize("norm_first", [False, True])
def test_forward_is_the_sublayers_without_the_additions(norm_first):
    layer = make_layer(norm_first)
    x = np.random.default_rng(0).standard_normal((2, 4, 6))
    out = layer.forward(x)
    if norm_first:
        n1 = layer.norm1.forward(x)
        expected = layer.ffn.forward(layer.norm2.forward(layer.self_attn.forward(n1, n1)))
    else:
        expected = layer.norm2.forward(layer.ffn.forward(layer.norm1.forward(layer.self_attn.forward(x, x))))
    np.testing.assert_allclose(out, expected, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True])
def test_backward_matches_numerical_gradients(norm_first):
    layer = make_layer(norm_first)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 3, 6))
    g = rng.standard_normal((1, 3, 6))

    def loss():
        return float((layer.forward(x) * g).sum())

    layer.forward(x)
    layer.zero_grad()
    dx = layer.backward(g)
    assert tl.relative_error(dx, tl.numerical_gradient(loss, x)) < 1e-7
    w = layer.parameters()["self_attn.w_q.weight"]
    dw = layer.gradients()["self_attn.w_q.weight"].copy()
    assert tl.relative_error(dw, tl.numerical_gradient(loss, w)) < 1e-6


def test_one_forward_serves_every_depth():
    """input_gradient_norms reuses one forward pass; a fresh forward per depth gives the same."""
    x = np.random.default_rng(5).standard_normal((1, 3, 6))
    norms = input_gradient_norms(x, max_layers=4, seeds=[7])
    rng = np.random.default_rng(7)
    layers = build_stack(4, tl.LayerConfig(d_model=6, num_heads=2, d_ff=24), rng)
    g = rng.standard_normal(x.shape)
    g /= np.linalg.norm(g)
    for depth in range(1, 5):
        h = x
        for layer in layers[:depth]:
            h = layer.forward(h)
        d = g
        for layer in reversed(layers[:depth]):
            d = layer.backward(d)
        assert np.isclose(norms[depth - 1], np.linalg.norm(d), rtol=1e-12)


def test_residuals_keep_the_gradient_alive_in_the_toy_size():
    x = np.random.default_rng(0).standard_normal((1, 3, 6))
    with_residuals = input_gradient_norms(x, max_layers=12, norm_first=True, seeds=range(3))
    without = input_gradient_norms(x, max_layers=12, residual=False, seeds=range(3))
    assert with_residuals.shape == without.shape == (12,)
    assert with_residuals[-1] > 0.5 and without[-1] < 0.05
