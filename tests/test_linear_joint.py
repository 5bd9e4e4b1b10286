"""Several Linear layers that read one input: their weight gradients from one product, and their
summed input gradient from one product, equal each layer's own backward pass."""

import numpy as np
import pytest

from transformer_lib.model.linear import Linear, add_weight_gradients, input_gradient


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("biases", [(True, True, True), (True, False, True), (False, False)])
def test_joint_gradients_equal_each_layers_own(biases, dtype, tol):
    rng = np.random.default_rng(0)
    widths = (3, 5, 2)[:len(biases)]
    x = rng.standard_normal((2, 4, 6)).astype(dtype)
    douts = [rng.standard_normal((2, 4, w)).astype(dtype) for w in widths]

    def fresh_layers():
        layers = [Linear(6, width, np.random.default_rng(i), dtype, bias=bias)
                  for i, (width, bias) in enumerate(zip(widths, biases, strict=True))]
        for layer in layers:
            layer.forward(x)
            layer.zero_grad()
        return layers

    own = fresh_layers()
    want_dx = sum(layer.backward(d) for layer, d in zip(own, douts, strict=True))
    joint = fresh_layers()
    add_weight_gradients(joint, np.concatenate(douts, axis=-1))
    got_dx = input_gradient(joint, np.concatenate(douts, axis=-1))
    assert got_dx.shape == x.shape and got_dx.dtype == dtype
    np.testing.assert_allclose(got_dx, want_dx, rtol=tol, atol=tol)
    for a, b in zip(joint, own, strict=True):
        for name, grad in b.gradients().items():
            np.testing.assert_allclose(a.gradients()[name], grad, rtol=tol, atol=tol, err_msg=name)


def test_joint_weight_gradients_refuse_layers_that_read_different_inputs():
    rng = np.random.default_rng(1)
    a, b = Linear(4, 2, rng), Linear(4, 3, rng)
    a.forward(rng.standard_normal((3, 4)))
    b.forward(rng.standard_normal((3, 4)))
    with pytest.raises(ValueError, match="read different inputs"):
        add_weight_gradients([a, b], np.zeros((3, 5)))
