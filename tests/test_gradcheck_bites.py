"""The finite-difference check can fail: backward passes with a classic mistake, built here as
subclasses (or a formula swapped in with `override`), are rejected, while the package's own pass the same check."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.lessons.backward_mistakes import layer_norm_backward_without_statistics, softmax_backward_diagonal
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

PASS, FAIL = 1e-7, 1e-3


def worst(errors: dict[str, float]) -> float:
    """The largest relative error, leaving out the key bias (gradient 0, see test_gradcheck_layers)."""
    return max(e for name, e in errors.items() if not zero_in_exact_arithmetic(name))


class LayerNormWithoutMeanAndVariance(tl.LayerNorm):
    """Wrong: treats mean and variance as constants, dx = dout * gamma / std."""

    def backward(self, dout):
        return layer_norm_backward_without_statistics(self, dout)


class EncoderLayerWithoutResidualGradient(tl.EncoderLayer):
    """Wrong: the forward adds the residual x + SelfAttention(x), the backward forgets that
    branch and passes the gradient through the attention only."""

    def backward(self, dout):
        ds2 = self.norm2.backward(dout)
        dh = ds2 + self.ffn.backward(ds2)
        ds1 = self.norm1.backward(dh)
        dq, dkv = self.self_attn.backward(ds1)
        return dq + dkv  # missing: ds1 +


def _x(shape):
    return np.random.default_rng(0).standard_normal(shape)


@pytest.mark.parametrize("cls, fails", [(tl.LayerNorm, False), (LayerNormWithoutMeanAndVariance, True)])
def test_layer_norm_without_mean_and_variance_terms_fails(cls, fails):
    norm = cls(5)
    errors = tl.gradient_check(norm.forward, norm.backward, {"x": _x((2, 3, 5))}, module=norm)
    assert (errors["x"] > FAIL) if fails else (worst(errors) < PASS)
    assert errors["gamma"] < PASS and errors["beta"] < PASS  # the mistake is in dx only


@pytest.mark.parametrize("backward, fails", [(tl.softmax_backward, False), (softmax_backward_diagonal, True)])
def test_softmax_with_only_the_diagonal_of_its_jacobian_fails(backward, fails):
    x = _x((3, 5))
    errors = tl.gradient_check(tl.softmax, lambda d: backward(d, tl.softmax(x)), {"x": x})
    assert (errors["x"] > FAIL) if fails else (errors["x"] < PASS)


@pytest.mark.parametrize("backward, fails", [(tl.softmax_backward, False), (softmax_backward_diagonal, True)])
def test_attention_with_the_diagonal_softmax_backward_fails(backward, fails):
    attn = tl.MultiHeadAttention(6, 2, np.random.default_rng(1))
    with attn.override(softmax_backward=backward):
        errors = tl.gradient_check(lambda x: attn.forward(x, x), lambda d: sum(attn.backward(d)),
                                   {"x": _x((2, 4, 6))}, module=attn)
    assert (errors["x"] > FAIL and errors["w_q.weight"] > FAIL) if fails else (worst(errors) < PASS)


@pytest.mark.parametrize("cls, fails", [(tl.EncoderLayer, False), (EncoderLayerWithoutResidualGradient, True)])
def test_encoder_layer_with_a_missing_residual_branch_fails(cls, fails):
    layer = cls(tl.LayerConfig(d_model=4, num_heads=2, d_ff=8), np.random.default_rng(2))
    errors = tl.gradient_check(layer.forward, layer.backward, {"x": _x((2, 3, 4))}, module=layer)
    assert (errors["x"] > FAIL) if fails else (worst(errors) < PASS)


def test_a_wrong_parameter_gradient_fails():
    """A Linear layer whose weight gradient is half what it should be; its input gradient is right."""

    class HalfWeightGradient(tl.Linear):
        def backward(self, dout):
            dx = super().backward(dout)
            self._grads["weight"] *= 0.5
            return dx

    layer = HalfWeightGradient(4, 3, np.random.default_rng(3))
    errors = tl.gradient_check(layer.forward, layer.backward, {"x": _x((2, 4))}, module=layer)
    assert errors["weight"] > FAIL and errors["x"] < PASS
