"""Writing each head's product straight into the merged layout equals merging afterwards."""

import numpy as np
import pytest

from transformer_lib.model.attention import MultiHeadAttention


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch, heads, t, n, d_k", [(1, 1, 1, 1, 1), (2, 3, 4, 5, 2), (80, 4, 10, 10, 8), (3, 2, 7, 5, 4)])
def test_matmul_merged_equals_merging_the_plain_product(batch, heads, t, n, d_k, dtype):
    attn = MultiHeadAttention(heads * d_k, heads, np.random.default_rng(0), dtype)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((batch, heads, n, t)).astype(dtype).swapaxes(-1, -2)  # a transposed view, as in backward
    b = rng.standard_normal((batch, heads, n, d_k)).astype(dtype)
    got = attn._matmul_merged(a, b)
    assert got.shape == (batch, t, heads * d_k) and got.dtype == dtype
    np.testing.assert_allclose(got, attn._merge_heads(a @ b), rtol=1e-6 if dtype == np.float32 else 1e-13)


def test_head_outputs_in_the_trace_are_the_concat_split_back():
    attn = MultiHeadAttention(6, 2, np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((2, 3, 6))
    attn.forward(x, x)
    trace = attn.trace()
    np.testing.assert_allclose(trace["head_outputs"], trace["weights"] @ trace["V"], rtol=1e-13)
    np.testing.assert_array_equal(attn._merge_heads(trace["head_outputs"]), trace["concat"])


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
def test_self_attention_gradients_from_one_product_equal_the_per_projection_ones(dtype, tol):
    """forward(x, x) takes Q, K and V's weight gradients from one product; forward(x, copy of x)
    does not know the inputs are equal and takes each from its own product."""
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5, 8)).astype(dtype)
    dout = rng.standard_normal((3, 5, 8)).astype(dtype)
    results = []
    for key_value in (x, x.copy()):
        attn = MultiHeadAttention(8, 2, np.random.default_rng(0), dtype)
        attn.forward(x, key_value)
        attn.zero_grad()
        results.append((attn.backward(dout), attn.gradients()))
    (joint_dq, joint_dkv), joint_grads = results[0]
    (dq, dkv), grads = results[1]
    np.testing.assert_allclose(joint_dq, dq, rtol=tol, atol=tol)
    np.testing.assert_allclose(joint_dkv, dkv, rtol=tol, atol=tol)
    for name, grad in grads.items():
        np.testing.assert_allclose(joint_grads[name], grad, rtol=tol, atol=tol, err_msg=name)
