"""The fast path's rows split over threads: `split_rows` covers every row once, on several threads,
and passes errors on; a whole model trained on the fast path with its rows split over three
threads takes the steps it takes on one thread and on the plain path, to rounding (a row sum
taken by the matrix-multiply library over a block of rows may add in another order than over
all of them)."""

import threading
import time

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import fast
from transformer_lib.fast import parallel
from transformer_lib.model.softmax import softmax_backward
from transformer_lib.training.loop import Batch, train_step


@pytest.fixture
def split_everything(monkeypatch):
    """Every call of `split_rows` splits, whatever its size, over `threads` threads (3 unless set)."""
    monkeypatch.setattr(parallel, "MIN_ELEMENTS", 0)
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
    assert first == threading.get_ident()  # the first block on the calling thread


def test_a_split_runs_every_block_on_its_caller_when_no_helper_comes(monkeypatch, split_everything):
    """Helper threads that never take their blocks (asleep on a busy machine) hold nothing up:
    the caller runs every block itself and returns."""

    class Unheard:
        def put(self, split):  # the offer is lost: no helper ever sees it
            pass

    monkeypatch.setattr(parallel, "_helpers", lambda count: [None] * count)
    monkeypatch.setattr(parallel, "_offered", Unheard())
    blocks = []
    caller = threading.Thread(target=parallel.split_rows,
                              args=(lambda start, stop: blocks.append((start, stop, threading.get_ident())), 9, 9))
    caller.start()
    caller.join(timeout=5)
    assert not caller.is_alive(), "the split waited for a helper that never came"
    assert sorted(start for start, _, _ in blocks) == [0, 3, 6]
    assert {ident for _, _, ident in blocks} == {caller.ident}


def test_splits_asked_for_during_a_split_cover_every_row_once(split_everything):
    """From inside a block and from other threads at the same time: each split still covers its rows once."""
    counts, lock = {}, threading.Lock()

    def count_rows(name):
        def work(start, stop):
            time.sleep(0.001)
            with lock:
                for row in range(start, stop):
                    counts[name, row] = counts.get((name, row), 0) + 1
        return work

    def outer(start, stop):
        parallel.split_rows(count_rows(f"inner {start}"), 12, elements=12)
        count_rows("outer")(start, stop)

    callers = [threading.Thread(target=parallel.split_rows, args=(count_rows(f"thread {i}"), 30, 30)) for i in range(4)]
    for caller in callers:
        caller.start()
    parallel.split_rows(outer, 9, elements=9)
    for caller in callers:
        caller.join()
    names = {name for name, _ in counts}
    assert {f"thread {i}" for i in range(4)} <= names and "outer" in names
    for name in names:
        rows = 9 if name == "outer" else 12 if name.startswith("inner") else 30
        assert [counts[name, row] for row in range(rows)] == [1] * rows, name


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


def test_an_error_is_raised_only_after_every_block_has_finished(split_everything):
    finished = []

    def work(start, stop):
        if start == 0:
            raise ArithmeticError("the first block failed at once")
        time.sleep(0.05)
        finished.append(start)

    with pytest.raises(ArithmeticError, match="at once"):
        parallel.split_rows(work, 9, elements=9)
    assert sorted(finished) == [3, 6]


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



def test_a_helper_thread_serves_the_queue_it_was_made_with(monkeypatch):
    """A helper keeps taking splits from its own queue when the module's name points elsewhere
    (as a test's stand-in queue does): it neither dies nor looks at the stand-in."""
    helper = parallel._helpers(1)[0]
    own = parallel._offered
    monkeypatch.setattr(parallel, "_offered", object())  # no get(): a helper that reads the name dies
    ran = threading.Event()
    for _ in range(len(parallel._helper_threads)):  # one offer per helper, as split_rows makes
        own.put(parallel._Split(lambda start, stop: ran.set(), [0, 0, 1]))
    assert ran.wait(timeout=5)
    time.sleep(0.05)  # a helper that went back to the module's name would have died by now
    assert helper.is_alive() and all(thread.is_alive() for thread in parallel._helper_threads)
