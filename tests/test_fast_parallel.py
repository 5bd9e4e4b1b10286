"""The fast path's rows split over threads: `split_rows` covers every row once, on several threads,
with the BLAS on one thread meanwhile, and passes errors on; products split by rows or columns
equal the whole product; a whole model trained on the fast path with its rows split over three
threads takes the steps it takes on one thread and on the plain path, to rounding (a row sum
taken by the matrix-multiply library over a block of rows may add in another order than over
all of them)."""

import threading

import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

import transformer_lib as tl
from transformer_lib import fast
from transformer_lib.fast import linear as fast_linear
from transformer_lib.fast import parallel
from transformer_lib.model.softmax import softmax_backward
from transformer_lib.training.loop import Batch, train_step


@pytest.fixture
def split_everything(monkeypatch):
    """Every call of `split_rows` splits, whatever its size, over `threads` threads (3 unless set)."""
    monkeypatch.setattr(parallel, "MIN_ELEMENTS", 0)
    monkeypatch.setattr(parallel, "MIN_MULTIPLY_ADDS", 0)
    monkeypatch.setattr(parallel, "_chosen_threads", 3)


@pytest.mark.parametrize("threads", [1, 2, 3, 5])
@pytest.mark.parametrize("rows", [0, 1, 2, 7, 100])
def test_split_rows_covers_every_row_once(monkeypatch, split_everything, threads, rows):
    monkeypatch.setattr(parallel, "_chosen_threads", threads)
    blocks, lock = [], threading.Lock()

    def work(start, stop):
        with lock:
            blocks.append((start, stop, threading.get_ident()))

    parallel.split_rows(work, rows, elements=rows)
    covered = sorted(i for start, stop, _ in blocks for i in range(start, stop))
    assert covered == list(range(rows))
    assert len(blocks) == max(1, min(threads, rows))
    first = next(ident for start, _, ident in blocks if start == 0)
    assert first == threading.get_ident()  # the first block on the calling thread, the others elsewhere
    assert all(ident != first for start, _, ident in blocks if start > 0)


def test_small_work_stays_on_the_calling_thread(monkeypatch):
    monkeypatch.setattr(parallel, "_chosen_threads", 2)
    threads_used = []
    parallel.split_rows(lambda start, stop: threads_used.append(threading.get_ident()), 100,
                        elements=parallel.MIN_ELEMENTS - 1)
    assert threads_used == [threading.get_ident()]


def test_an_error_in_a_block_is_raised(split_everything):
    def work(start, stop):
        if start > 0:
            raise ArithmeticError(f"block {start}")

    with pytest.raises(ArithmeticError, match="block"):
        parallel.split_rows(work, 9, elements=9)


def _blas_thread_counts():
    return [library["num_threads"] for library in threadpool_info() if library["user_api"] == "blas"]


@pytest.mark.parametrize("fails", [False, True])
def test_the_blas_runs_on_one_thread_inside_the_blocks_and_as_before_after(split_everything, fails):
    with threadpool_limits(2, user_api="blas"):
        before = _blas_thread_counts()
        inside, lock = [], threading.Lock()

        def work(start, stop):
            with lock:
                inside.append(_blas_thread_counts())
            if fails and start > 0:
                raise ArithmeticError("a block failed")

        if fails:
            with pytest.raises(ArithmeticError):
                parallel.split_rows(work, 6, elements=6)
        else:
            parallel.split_rows(work, 6, elements=6)
        assert _blas_thread_counts() == before
    assert len(inside) == 3 and all(counts == [1] * len(before) for counts in inside)


def test_a_split_inside_a_block_runs_whole_on_that_block_s_thread(split_everything):
    inner, lock = [], threading.Lock()

    def inner_work(start, stop):
        with lock:
            inner.append((start, stop, threading.get_ident()))

    def work(start, stop):
        parallel.split_rows(inner_work, 4, elements=4)
        with lock:
            inner.append(("outer", start, threading.get_ident()))

    parallel.split_rows(work, 3, elements=3)
    whole = [(ident, start) for start, stop, ident in inner if start != "outer"]
    outer = {ident for tag, _, ident in inner if tag == "outer"}
    assert len(whole) == 3 and all(start == 0 for _, start in whole)  # three outer blocks, each inner call whole
    assert {ident for ident, _ in whole} == outer


@pytest.mark.parametrize("threads", [1, 2, 3])
@pytest.mark.parametrize("n_rows, k, n_columns", [(7, 5, 3), (3, 5, 7), (1, 4, 1), (64, 32, 96)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_split_by_rows_or_columns_equals_the_whole_product(monkeypatch, split_everything, threads, n_rows,
                                                                   k, n_columns, dtype):
    monkeypatch.setattr(parallel, "_chosen_threads", threads)
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n_rows, k)).astype(dtype)
    b = rng.standard_normal((n_columns, k)).astype(dtype).T  # a transposed view, as for an input gradient
    want, tol = a @ b, 1e-6 if dtype == np.float32 else 1e-14
    got = parallel.matmul(a, b)
    assert got.shape == want.shape and got.dtype == dtype
    assert tl.relative_error(got, want) < tol
    wider = np.full((n_rows, n_columns + 4), np.nan, dtype=dtype)
    parallel.matmul(a, b, out=wider[:, 2:-2])
    assert tl.relative_error(wider[:, 2:-2], want) < tol
    assert np.isnan(wider[:, :2]).all() and np.isnan(wider[:, -2:]).all()  # written only where told


@pytest.mark.parametrize("threads", [1, 2, 3, 4, 9, 13])
@pytest.mark.parametrize("groups", [(), (3,), (1, 2)])
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gradients_split_by_columns_and_rows_across_layers_equal_each_layer_s_own(monkeypatch, split_everything,
                                                                                   threads, groups, dtype):
    """Three layers of 5, 7 and 3 outputs reading one input (12 tokens): their weight gradients
    from one product xᵀ dout whose column blocks cut through the layers, added into gradients
    that held something already, and the input gradients of groups of them, rows split too:
    equal to each plain layer's own backward (a group's input gradient the sum of its layers')."""
    monkeypatch.setattr(parallel, "_chosen_threads", threads)
    widths, rng = (5, 7, 3), np.random.default_rng(0)
    x = rng.standard_normal((2, 6, 4)).astype(dtype)
    douts = [rng.standard_normal((2, 6, w)).astype(dtype) for w in widths]
    plain = [tl.Linear(4, w, np.random.default_rng(i), dtype, bias=i != 1) for i, w in enumerate(widths)]
    quick = [fast.accelerate(tl.Linear(4, w, np.random.default_rng(i), dtype, bias=i != 1)) for i, w in enumerate(widths)]
    for layer in plain + quick:
        for grad in layer._grads.values():
            grad[...] = 1.0  # earlier gradients to add to
        layer.forward(x)
    for layer in quick:
        layer._cache = x  # one input read by all three, as attention's W_q, W_k, W_v
    plain_dx = [layer.backward(dout) for layer, dout in zip(plain, douts, strict=True)]
    got_dx = fast_linear.backward_through(quick, np.concatenate(douts, axis=-1), groups=groups)
    tol = 1e-5 if dtype == "float32" else 1e-12
    firsts = np.cumsum((0, *groups))
    assert len(got_dx) == len(groups)
    for got, first, stop in zip(got_dx, firsts[:-1], firsts[1:], strict=True):
        assert got.shape == x.shape and got.dtype == x.dtype
        assert tl.relative_error(got, sum(plain_dx[first:stop])) < tol
    for p, q in zip(plain, quick, strict=True):
        assert p._grads.keys() == q._grads.keys()
        for name, want in p._grads.items():
            assert tl.relative_error(q._grads[name], want) < tol, name


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_set_threads_refuses_what_is_not_a_count(bad):
    with pytest.raises(ValueError, match="count must be a whole number >= 1 or None"):
        parallel.set_threads(bad)


def test_set_threads_and_back_to_the_blas_count(monkeypatch):
    monkeypatch.setattr(parallel, "_chosen_threads", None)
    default = parallel.threads()
    assert default >= 1
    parallel.set_threads(4)
    assert parallel.threads() == 4
    parallel.set_threads(None)
    assert parallel.threads() == default


def _training_run(config, batch, accelerated, steps=3):
    model = tl.Transformer(config, seed=3)
    if accelerated:
        fast.accelerate(model)
        optimizer, loss_fn = fast.Adam(model, lr=0.01, eps=1e-4), fast.CrossEntropyLoss(ignore_index=0,
                                                                                        label_smoothing=0.1)
    else:
        optimizer, loss_fn = tl.Adam(model, lr=0.01, eps=1e-4), tl.CrossEntropyLoss(ignore_index=0,
                                                                                    label_smoothing=0.1)
    losses = [train_step(model, optimizer, loss_fn, batch) for _ in range(steps)]
    return losses, model.parameters(), model.trace()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_training_split_over_threads_equals_one_thread_and_the_plain_path(monkeypatch, dtype):
    """Padding, a causal mask, cross-attention, dropout and label smoothing; every layer's rows
    (and Adam's blocks, 7 numbers long) split over three threads. Relative error of the trace
    below 1e-12 (float64) or 1e-5 (float32); losses and parameters (against the largest) too."""
    import transformer_lib.fast.optim as fast_optim

    monkeypatch.setattr(fast_optim, "_BLOCK", 7)
    config = tl.TransformerConfig(src_vocab_size=13, tgt_vocab_size=11, d_model=8, num_heads=2, d_ff=20,
                                  num_encoder_layers=2, num_decoder_layers=2, pad_id=0, dropout=0.2, dtype=dtype)
    rng = np.random.default_rng(0)
    src, tgt = rng.integers(1, 13, (5, 6)), rng.integers(1, 11, (5, 8))
    src[1, 4:], tgt[2, 5:] = 0, 0
    batch = Batch(src, tgt[:, :-1], tgt[:, 1:])
    plain_losses, plain_params, _ = _training_run(config, batch, accelerated=False)
    monkeypatch.setattr(parallel, "_chosen_threads", 1)
    one_losses, one_params, one_trace = _training_run(config, batch, accelerated=True)
    monkeypatch.setattr(parallel, "MIN_ELEMENTS", 0)
    monkeypatch.setattr(parallel, "MIN_MULTIPLY_ADDS", 0)
    monkeypatch.setattr(parallel, "_chosen_threads", 3)
    split_losses, split_params, split_trace = _training_run(config, batch, accelerated=True)
    tol = 1e-12 if dtype == "float64" else 1e-5
    for name, want in one_trace.items():
        finite = np.isfinite(want)
        np.testing.assert_array_equal(split_trace[name][~finite], want[~finite], err_msg=name)
        assert tl.relative_error(split_trace[name][finite], want[finite]) < tol, name
    scale = max(np.abs(p).max() for p in plain_params.values())
    for reference_losses, reference_params in ((one_losses, one_params), (plain_losses, plain_params)):
        np.testing.assert_allclose(split_losses, reference_losses, rtol=tol)
        for name, want in reference_params.items():
            assert np.abs(split_params[name] - want).max() <= tol * scale, name


def test_a_softmax_backward_put_in_through_override_is_used(split_everything):
    """The fast attention's backward calls a replaced softmax backward as given (whole arrays)."""
    calls = []

    def recorded(dout, probs):
        calls.append(dout.shape)
        return softmax_backward(dout, probs)

    rng = np.random.default_rng(0)
    x, dout = rng.standard_normal((4, 5, 8)), rng.standard_normal((4, 5, 8))
    plain = tl.MultiHeadAttention(8, 2, np.random.default_rng(1))
    quick = fast.accelerate(tl.MultiHeadAttention(8, 2, np.random.default_rng(1)))
    plain.forward(x, x)
    quick.forward(x, x)
    with quick.override(softmax_backward=recorded):
        got = quick.backward(dout)
    want = plain.backward(dout)
    assert calls == [(4, 2, 5, 5)]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)

