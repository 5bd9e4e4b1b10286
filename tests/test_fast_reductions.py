"""The fast reductions equal NumPy's own sum, mean, max, dot products and ``np.add.at``, up to
rounding, in both dtypes."""

import numpy as np
import pytest

from transformer_lib.fast.reductions import add_rows_at, column_sum, row_dot, row_max, row_mean, row_sum


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("shape", [(7,), (5, 3), (2, 3, 4, 10), (80, 10, 32), (0, 6)])
def test_row_sum_and_row_mean_equal_numpy(shape, dtype, tol):
    x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
    for got, want in ((row_sum(x), x.sum(axis=-1, keepdims=True)), (row_mean(x), x.mean(axis=-1, keepdims=True))):
        assert got.shape == want.shape and got.dtype == dtype
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)


def test_row_sum_of_a_transposed_view():
    x = np.random.default_rng(1).standard_normal((4, 6, 3)).transpose(1, 0, 2)  # not contiguous
    np.testing.assert_allclose(row_sum(x), x.sum(axis=-1, keepdims=True), rtol=1e-12)


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("shape", [(1, 4), (800, 32), (1024, 11), (0, 3)])
def test_column_sum_equals_numpy(shape, dtype, tol):
    x = np.random.default_rng(2).standard_normal(shape).astype(dtype)
    got = column_sum(x)
    assert got.shape == (shape[1],) and got.dtype == dtype
    np.testing.assert_allclose(got, x.sum(axis=0), rtol=tol, atol=tol)


def test_sums_keep_inf_and_nan():
    x = np.array([[1.0, np.inf], [np.nan, 2.0], [3.0, 4.0]])
    assert row_sum(x)[0, 0] == np.inf and np.isnan(row_sum(x)[1, 0]) and row_sum(x)[2, 0] == 7.0
    assert np.isnan(column_sum(x)[0]) and column_sum(x)[1] == np.inf


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(1,), (3, 1), (5, 2), (4, 3), (2, 3, 7), (80, 4, 10, 10), (2, 4, 32, 33), (3, 64), (3, 65),
                                   (2, 1000), (0, 5)])
def test_row_max_equals_numpy_exactly(shape, dtype):
    x = np.random.default_rng(3).standard_normal(shape).astype(dtype)
    got = row_max(x)
    assert got.shape == shape[:-1] + (1,) and got.dtype == dtype
    np.testing.assert_array_equal(got, x.max(axis=-1, keepdims=True))
    assert not np.shares_memory(got, x)


def test_row_max_with_inf_and_nan():
    x = np.array([[-np.inf, -np.inf, -np.inf], [1.0, np.nan, 2.0], [np.inf, 0.0, 1.0], [0.0, 1.0, 9.0]])
    np.testing.assert_array_equal(row_max(x), x.max(axis=-1, keepdims=True))


@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-12), (np.float32, 1e-5)])
@pytest.mark.parametrize("shape", [(7,), (5, 3), (2, 3, 4, 10), (1024, 128), (0, 6)])
def test_row_dot_equals_the_sum_of_products(shape, dtype, tol):
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)
    vector = rng.standard_normal(shape[-1]).astype(dtype)
    for other in (y, vector):
        got = row_dot(x, other)
        assert got.shape == shape[:-1] + (1,) and got.dtype == dtype
        np.testing.assert_allclose(got, (x * other).sum(axis=-1, keepdims=True), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("vocab, tokens, n", [(11, 3, 6), (11, 800, 32), (1000, 1024, 128), (5, 0, 4)])
def test_add_rows_at_equals_np_add_at_with_repeated_rows(vocab, tokens, n, dtype):
    rng = np.random.default_rng(5)
    index = rng.integers(0, vocab, tokens)
    rows = rng.standard_normal((tokens, n)).astype(dtype)
    start = rng.standard_normal((vocab, n)).astype(dtype)
    got, want = start.copy(), start.copy()
    add_rows_at(got, index, rows)
    np.add.at(want, index, rows)
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-13, atol=1e-6)
    if tokens > vocab:  # some row was hit more than once, and every hit counted
        assert np.bincount(index).max() > 1


def test_add_rows_at_adds_every_repeat_and_works_on_a_strided_table():
    index = np.array([2, 0, 2, 2])
    rows = np.arange(8.0).reshape(4, 2)
    table = np.zeros((6, 2))[::2]  # every other row: not contiguous
    add_rows_at(table, index, rows)
    np.testing.assert_array_equal(table, [[2.0, 3.0], [0.0, 0.0], [0.0 + 4 + 6, 1.0 + 5 + 7]])
