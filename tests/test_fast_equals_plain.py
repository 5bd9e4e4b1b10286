"""The fast path equals the teaching code: every fast layer, function, the loss and Adam give the
plain version's outputs, traces and gradients to rounding (float64: relative error below 1e-12),
layer by layer and for whole models with padding and pre-norm, over several training steps."""

import ast
import contextlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import transformer_lib as tl
from transformer_lib import fast
from transformer_lib.fast import masks as fast_masks
from transformer_lib.fast import softmax as fast_softmax
from transformer_lib.model import masks, softmax
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic
from transformer_lib.training.loop import Batch, train_step

TOL = 1e-12


def assert_close(got, want, name=""):
    """Same shape and dtype, -inf (masked scores) at the same places, and elsewhere a relative
    error (max |difference| / max(|got| + |want|)) below TOL."""
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, name
    finite = np.isfinite(want)
    np.testing.assert_array_equal(got[~finite], want[~finite], err_msg=name)
    error = tl.relative_error(got[finite], want[finite]) if finite.any() else 0.0
    assert error < TOL, f"{name}: relative error {error:.2e}"


def assert_gradients_close(fast_layer, plain_layer):
    """Every parameter gradient within TOL; a gradient that is zero in exact arithmetic (the key
    bias) only has to be rounding noise in both, against the size of the other gradients."""
    fast_grads, plain_grads = fast_layer.gradients(), plain_layer.gradients()
    assert fast_grads.keys() == plain_grads.keys()
    scale = max(np.abs(g).max() for g in plain_grads.values())
    for name, want in plain_grads.items():
        if zero_in_exact_arithmetic(name):
            assert np.abs(fast_grads[name]).max() <= TOL * scale and np.abs(want).max() <= TOL * scale, name
        else:
            assert_close(fast_grads[name], want, name)


def plain_and_fast(make):
    """Two equal layers from `make()` (same seed), the second switched to the fast path."""
    plain, other = make(), make()
    fast.accelerate(other)
    return plain, other


def random_mask(rng, shape, all_masked_row=False):
    mask = rng.random(shape) < 0.3
    if all_masked_row:
        mask[(0,) * (len(shape) - 1)] = True  # one query sees no key: zero weights, no NaN
    return mask


# -- functions ------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(7,), (2, 3, 4, 10), (80, 4, 10, 10), (3, 1)])
def test_softmax_and_its_backward(shape):
    rng = np.random.default_rng(0)
    x = 5 * rng.standard_normal(shape)
    x[..., 0] = -np.inf  # a masked key
    if len(shape) > 1:
        x[0] = -np.inf  # a row with every key masked
    dout = rng.standard_normal(shape)
    p = softmax.softmax(x)
    assert_close(fast_softmax.softmax(x.copy()), p)
    assert_close(fast_softmax.softmax_backward(dout, p), softmax.softmax_backward(dout, p))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("mask_shape", [(4, 4), (2, 1, 1, 4), (2, 1, 4, 4), (2, 3, 4, 4)])
def test_mask_scores_added_equals_selected(mask_shape, dtype):
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((2, 3, 4, 4)).astype(dtype)
    mask = rng.random(mask_shape) < 0.4
    got, want = fast_masks.mask_scores(scores, mask), masks.mask_scores(scores, mask)
    assert got.dtype == want.dtype == dtype and got is not scores and want is not scores
    np.testing.assert_array_equal(got, want)
    assert np.isneginf(want).sum() == np.broadcast_to(mask, scores.shape).sum()
    assert fast_masks.mask_scores(scores, None) is scores and masks.mask_scores(scores, None) is scores


# -- layers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape, bias", [((5, 6), True), ((2, 4, 6), True), ((3, 2, 4, 6), False)])
def test_linear(shape, bias):
    plain, quick = plain_and_fast(lambda: tl.Linear(6, 7, np.random.default_rng(0), bias=bias))
    assert type(quick) is fast.FastLinear
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal(shape), rng.standard_normal((*shape[:-1], 7))
    assert_close(quick.forward(x), plain.forward(x), "output")
    assert_close(quick.backward(dout), plain.backward(dout), "dx")
    assert_gradients_close(quick, plain)



@pytest.mark.parametrize("biases", [(True, True, True), (False, False, False), (True, False, True)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layers_projected_together_equal_each_layer_s_own_forward(biases, dtype):
    """project_together: the outputs side by side, each layer's cache the input, as if every
    layer had run its own forward; with any mix of biases."""
    layers = [fast.FastLinear(6, d_out, np.random.default_rng(i), dtype, bias=bias)
              for i, (d_out, bias) in enumerate(zip((4, 6, 3), biases, strict=True))]
    for layer in layers:
        if layer.has_bias:
            layer.bias[:] = np.random.default_rng(9).standard_normal(layer.d_out)
    x = np.random.default_rng(1).standard_normal((2, 5, 6)).astype(dtype)
    got = fast.linear.project_together(layers, x)
    want = np.concatenate([tl.Linear.forward(layer, x) for layer in layers], axis=-1)
    assert got.shape == (2, 5, 13) and got.dtype == dtype
    np.testing.assert_allclose(got, want, rtol=1e-6 if dtype == np.float32 else 1e-13)
    assert all(layer._cache is x for layer in layers)


def test_a_projection_whose_forward_is_replaced_runs_the_replacement():
    """Attention's Q, K and V come from one product unless a Linear's forward is replaced
    through `override`: then each layer runs its own (the replacement), with the same numbers."""
    plain, quick = plain_and_fast(lambda: tl.MultiHeadAttention(8, 2, np.random.default_rng(0)))
    x = np.random.default_rng(1).standard_normal((3, 5, 8))
    calls = []

    def recorded(layer, x):
        calls.append(layer)
        return fast.FastLinear.forward(layer, x)

    with quick.override(tl.Linear, forward=recorded):
        assert_close(quick.forward(x, x), plain.forward(x, x), "output")
    assert calls == [quick.w_q, quick.w_k, quick.w_v, quick.w_o]

@given(batch=st.integers(1, 3), tq=st.integers(1, 6), tk=st.integers(1, 6), heads=st.sampled_from([1, 2, 4]),
       d_k=st.integers(1, 4), cross=st.booleans(), masking=st.sampled_from(["none", "padding", "causal", "random"]),
       scale=st.sampled_from(["d_k", "d_model"]), seed=st.integers(0, 2**16))
@settings(max_examples=60, deadline=None)
def test_multi_head_attention(batch, tq, tk, heads, d_k, cross, masking, scale, seed):
    """Self- and cross-attention, with no mask, key padding, a causal mask or a random one
    (where a query may see no key at all): output, every trace entry, both input gradients
    and every parameter gradient."""
    d = heads * d_k
    tk = tk if cross else tq
    plain, quick = plain_and_fast(lambda: tl.MultiHeadAttention(d, heads, np.random.default_rng(seed), scale=scale))
    rng = np.random.default_rng(seed + 1)
    query = rng.standard_normal((batch, tq, d))
    key_value = rng.standard_normal((batch, tk, d)) if cross else query
    mask = {"none": None, "padding": tl.attention_mask(key_padding=rng.random((batch, tk)) < 0.3),
            "causal": tl.attention_mask(causal_length=tq) if not cross else None,
            "random": random_mask(rng, (batch, 1, tq, tk), all_masked_row=True)}[masking]
    dout = rng.standard_normal((batch, tq, d))
    assert_close(quick.forward(query, key_value, mask), plain.forward(query, key_value, mask), "output")
    fast_trace, plain_trace = quick.trace(), plain.trace()
    assert list(fast_trace) == list(plain_trace)
    for name, want in plain_trace.items():
        assert_close(fast_trace[name], want, name)
    for got, want, name in zip(quick.backward(dout), plain.backward(dout), ("d_query", "d_key_value"), strict=True):
        assert_close(got, want, name)
    assert_gradients_close(quick, plain)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_self_attention_takes_qkv_weight_gradients_from_one_product(dtype):
    """forward(x, x) gives the fast backward one input for Q, K and V (one product for their
    weight gradients); forward(x, copy of x) two (a product for Q and one for K and V). Both
    equal the plain layer's gradients."""
    tol = TOL if dtype == np.float64 else 1e-5
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 5, 8)).astype(dtype)
    dout = rng.standard_normal((3, 5, 8)).astype(dtype)
    plain = tl.MultiHeadAttention(8, 2, np.random.default_rng(0), dtype)
    plain.forward(x, x)
    want_dq, want_dkv = plain.backward(dout)
    for key_value in (x, x.copy()):
        quick = fast.accelerate(tl.MultiHeadAttention(8, 2, np.random.default_rng(0), dtype))
        quick.forward(x, key_value)
        dq, dkv = quick.backward(dout)
        assert dq.dtype == dtype
        assert tl.relative_error(dq, want_dq) < tol and tl.relative_error(dkv, want_dkv) < tol
        for name, grad in plain.gradients().items():
            if not zero_in_exact_arithmetic(name):
                assert tl.relative_error(quick.gradients()[name], grad) < tol, name


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch, heads, t, n, d_k", [(1, 1, 1, 1, 1), (2, 3, 4, 5, 2), (80, 4, 10, 10, 8)])
def test_products_written_into_the_merged_layout_equal_merging_afterwards(batch, heads, t, n, d_k, dtype):
    quick = fast.FastMultiHeadAttention(heads * d_k, heads, np.random.default_rng(0), dtype)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((batch, heads, n, t)).astype(dtype).swapaxes(-1, -2)  # a transposed view, as in backward
    b = rng.standard_normal((batch, heads, n, d_k)).astype(dtype)
    got = quick._matmul_merged(a, b)
    assert got.shape == (batch, t, heads * d_k) and got.dtype == dtype
    np.testing.assert_allclose(got, quick._merge_heads(a @ b), rtol=1e-6 if dtype == np.float32 else 1e-13)


@pytest.mark.parametrize("shape", [(5, 6), (2, 4, 6), (80, 10, 6)])
def test_layer_norm(shape):
    plain, quick = plain_and_fast(lambda: tl.LayerNorm(6))
    rng = np.random.default_rng(1)
    state = {"gamma": rng.standard_normal(6) + 1, "beta": rng.standard_normal(6)}  # away from 1 and 0
    plain.load_state_dict(state)
    quick.load_state_dict(state)
    x, dout = 3 * rng.standard_normal(shape) + 2, rng.standard_normal(shape)
    assert_close(quick.forward(x), plain.forward(x), "output")
    for name, want in plain.trace().items():
        assert_close(quick.trace()[name], want, name)
    assert_close(quick.backward(dout), plain.backward(dout), "dx")
    assert_gradients_close(quick, plain)


@pytest.mark.parametrize("overridden", [None, "forward", "backward"])
def test_feed_forward(overridden):
    """Both layers fused into the network's own passes, or, when a Linear layer's step is
    replaced through `override`, the layers called one by one (the replacement runs)."""
    plain, quick = plain_and_fast(lambda: tl.FeedForward(6, 24, np.random.default_rng(0)))
    assert type(quick.linear1) is fast.FastLinear
    rng = np.random.default_rng(1)
    x, dout = rng.standard_normal((2, 5, 6)), rng.standard_normal((2, 5, 6))
    calls = []

    def recorded(layer, *args):
        calls.append(overridden)
        return getattr(fast.FastLinear, overridden)(layer, *args)

    steps = {} if overridden is None else {overridden: recorded}
    with quick.override(tl.Linear, **steps) if steps else contextlib.nullcontext():
        assert_close(quick.forward(x), plain.forward(x), "output")
        for name, want in plain.trace().items():
            assert_close(quick.trace()[name], want, name)
        assert_close(quick.backward(dout), plain.backward(dout), "dx")
    assert_gradients_close(quick, plain)
    assert calls == ([] if overridden is None else [overridden, overridden])  # once per Linear layer


@pytest.mark.parametrize("scale", [True, False])
def test_embedding_adds_every_repeated_token(scale):
    plain, quick = plain_and_fast(lambda: tl.Embedding(7, 4, np.random.default_rng(0), scale=scale))
    rng = np.random.default_rng(1)
    tokens = rng.integers(0, 3, (5, 9))  # many repeats of ids 0, 1, 2; rows 3 to 6 get nothing
    dout = rng.standard_normal((5, 9, 4))
    np.testing.assert_array_equal(quick.forward(tokens), plain.forward(tokens))
    assert quick.backward(dout) is None and plain.backward(dout) is None
    assert_gradients_close(quick, plain)
    assert np.all(quick.gradients()["weight"][3:] == 0)


# -- loss -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("ignore_index", [None, 0])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("shape", [(7, 11), (4, 6, 1000)])
def test_cross_entropy_loss(shape, smoothing, ignore_index):
    rng = np.random.default_rng(0)
    logits = 4 * rng.standard_normal(shape)
    if not smoothing:  # (smoothing puts weight on every class: the loss would be inf)
        logits[(0,) * (len(shape) - 1) + (3,)] = -np.inf  # a class of probability 0
    targets = rng.integers(0, shape[-1], shape[:-1])
    targets.flat[0] = 0
    plain, quick = (cls(ignore_index=ignore_index, label_smoothing=smoothing)
                    for cls in (tl.CrossEntropyLoss, fast.CrossEntropyLoss))
    want = plain.forward(logits, targets)
    assert np.isfinite(want)
    assert abs(quick.forward(logits, targets) - want) < TOL * abs(want)
    assert_close(quick.backward(), plain.backward(), "dlogits")


def test_cross_entropy_loss_float32_and_the_same_errors():
    rng = np.random.default_rng(0)
    logits, targets = rng.standard_normal((3, 5)).astype(np.float32), np.array([1, 0, 4])
    plain, quick = tl.CrossEntropyLoss(ignore_index=0), fast.CrossEntropyLoss(ignore_index=0)
    assert quick.forward(logits, targets) == pytest.approx(plain.forward(logits, targets), rel=1e-6)
    assert quick.backward().dtype == plain.backward().dtype == np.float32
    for bad, where in ((np.nan, (1, 2)), (np.inf, (2, 0))):
        spoilt = logits.astype(np.float64)
        spoilt[where] = bad
        messages = []
        for loss in (plain, quick):
            with pytest.raises(ValueError, match="logits contains NaN or inf") as error:
                loss.forward(spoilt, targets)
            messages.append(str(error.value))
        assert messages[0] == messages[1] and str(where) in messages[0]


# -- Adam -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("per_parameter", [False, True])
@pytest.mark.parametrize("block", [7, None])
def test_adam_trajectory(monkeypatch, per_parameter, block):
    """Ten steps on the same random gradients: the fast Adam's parameters and moments equal
    the plain Adam's, for the one flat buffer and for one array per parameter, with the
    default block size and with blocks of 7 elements (many blocks, a short last one)."""
    import transformer_lib.fast.optim as fast_optim

    if block is not None:
        monkeypatch.setattr(fast_optim, "_BLOCK", block)

    def run(optimizer_class):
        model = tl.Transformer(tl.TransformerConfig(), seed=0)
        if per_parameter:
            grads = model.gradients()
            model.parameter_buffers = lambda: [(p, grads[name]) for name, p in model.parameters().items()]
        adam, rng = optimizer_class(model, lr=0.01, betas=(0.9, 0.98), eps=1e-9), np.random.default_rng(1)
        for _ in range(10):
            for _, g in adam.buffers:
                g[...] = rng.standard_normal(g.shape)
            adam.step()
        return model.parameters(), adam

    start = tl.Transformer(tl.TransformerConfig(), seed=0).parameters()
    (want, plain), (got, quick) = run(tl.Adam), run(fast.Adam)
    assert quick.t == plain.t == 10
    assert not np.array_equal(want["generator.weight"], start["generator.weight"])
    for name in want:
        assert_close(got[name], want[name], name)
    for got_m, want_m, got_v, want_v in zip(quick.m, plain.m, quick.v, plain.v, strict=True):
        assert_close(got_m, want_m, "m")
        assert_close(got_v, want_v, "v")


@pytest.mark.parametrize("per_parameter", [False, True])
def test_fast_adam_in_cache_sized_blocks_gives_the_same_numbers_as_one_pass(monkeypatch, per_parameter):
    """The fast Adam updates long buffers block by block; with blocks of 7 elements (many blocks, a short
    last one) the parameters after a few steps equal those of one pass over each whole array,
    for the one flat buffer and for one (2-D) array per parameter."""
    import transformer_lib.fast.optim as fast_optim

    def run(block):
        monkeypatch.setattr(fast_optim, "_BLOCK", block)
        model = tl.Transformer(tl.TransformerConfig(dtype="float32"), seed=0)
        if per_parameter:
            grads = model.gradients()
            model.parameter_buffers = lambda: [(p, grads[name]) for name, p in model.parameters().items()]
        adam, rng = fast.Adam(model, lr=0.01), np.random.default_rng(1)
        for _ in range(3):
            for _, g in adam.buffers:
                g[...] = rng.standard_normal(g.shape)
            adam.step()
        return model.parameters()

    start = tl.Transformer(tl.TransformerConfig(dtype="float32"), seed=0).parameters()
    whole, blocked = run(10**9), run(7)
    assert not np.array_equal(whole["generator.weight"], start["generator.weight"])
    assert all(np.array_equal(whole[name], blocked[name]) for name in whole)


# -- whole models ---------------------------------------------------------------------------------
@given(d_k=st.integers(3, 4), heads=st.sampled_from([1, 2, 4]), layers=st.tuples(st.integers(0, 2), st.integers(1, 2)),
       norm_first=st.booleans(), pad=st.booleans(), batch=st.integers(1, 4), lengths=st.tuples(st.integers(1, 6),
       st.integers(1, 6)), seed=st.integers(0, 2**16), dropout=st.sampled_from([0.0, 0.25]), share=st.booleans())
@settings(max_examples=25, deadline=None)
def test_whole_model_over_training_steps(d_k, heads, layers, norm_first, pad, batch, lengths, seed, dropout, share):
    """A Transformer and its accelerated copy, post- or pre-norm, with or without padding,
    dropout and shared embeddings: the logits, the trace and every gradient of the first step,
    then the losses and parameters over four training steps (fast layers, fast loss and fast
    Adam against the plain ones; the two models' dropout generators start from one seed, so they
    draw the same masks).
    d_model is at least 3: layer norm over 2 features gives +-1 whatever its input, so every
    gradient below it would be rounding noise."""
    d = heads * d_k
    config = tl.TransformerConfig(src_vocab_size=10 if share else 9, tgt_vocab_size=10, d_model=d, num_heads=heads,
                                  d_ff=2 * d + 1, num_encoder_layers=layers[0], num_decoder_layers=layers[1],
                                  norm_first=norm_first, pad_id=0 if pad else None, dropout=dropout,
                                  share_embeddings=share)
    rng = np.random.default_rng(seed)
    low = 0 if pad else 1
    src, tgt = rng.integers(low, 9, (batch, lengths[0])), rng.integers(low, 10, (batch, lengths[1] + 1))
    src[:, 0], tgt[:, 0] = 1, 1  # no sequence is padding from its start
    data = Batch(src, tgt[:, :-1], tgt[:, 1:])
    plain, quick = tl.Transformer(config, seed=seed), fast.accelerate(tl.Transformer(config, seed=seed))
    assert_close(quick.forward(data.src, data.tgt_in), plain.forward(data.src, data.tgt_in), "logits")
    plain_trace, fast_trace = plain.trace(), quick.trace()
    for name, want in plain_trace.items():
        if name.endswith(".mean"):
            # A row whose sublayer output dropout zeroed is, after post-norm, the previous layer
            # norm's output: its mean is 0 in exact arithmetic, rounding noise in both models.
            # Each row's mean is compared against its spread, which the normalisation divides by.
            spread = plain_trace[name.removesuffix("mean") + "std"]
            assert np.all(np.abs(fast_trace[name] - want) <= TOL * np.maximum(spread, np.abs(want))), name
        else:
            assert_close(fast_trace[name], want, name)
    ignore = 0 if pad else None
    # Adam's eps at 1e-4: with a tiny eps, an entry whose gradient is near 0 moves by about lr times
    # its sign, so rounding noise there moves it by lr either way; the update rule itself is
    # compared at the paper's eps above, on random gradients.
    plain_step = (tl.Adam(plain, lr=0.01, eps=1e-4), tl.CrossEntropyLoss(ignore_index=ignore, label_smoothing=0.1))
    fast_step = (fast.Adam(quick, lr=0.01, eps=1e-4), fast.CrossEntropyLoss(ignore_index=ignore, label_smoothing=0.1))
    for step in range(4):
        want, got = train_step(plain, *plain_step, data), train_step(quick, *fast_step, data)
        assert abs(got - want) <= TOL * abs(want), step
        if step == 0:
            assert_gradients_close(quick, plain)
    # Parameters against the model's largest one: a bias starts at 0, and an entry of it that only
    # rounding noise moves has no scale of its own.
    scale = max(np.abs(p).max() for p in plain.parameters().values())
    for name, want in plain.parameters().items():
        assert np.abs(quick.parameters()[name] - want).max() <= TOL * scale, name


def test_whole_model_with_dropout_and_shared_embeddings():
    """The case the hypothesis test above may or may not draw: dropout 0.3 (the two models draw
    the same masks from one seed) and one shared embedding matrix, pre- and post-norm."""
    for norm_first in (False, True):
        config = tl.TransformerConfig(src_vocab_size=10, tgt_vocab_size=10, d_model=8, num_heads=2, d_ff=16,
                                      num_encoder_layers=2, num_decoder_layers=2, norm_first=norm_first, pad_id=0,
                                      dropout=0.3, share_embeddings=True)
        src, tgt = np.array([[1, 4, 2, 0], [3, 3, 5, 6]]), np.array([[2, 6, 0], [1, 5, 5]])
        plain, quick = tl.Transformer(config, seed=7), fast.accelerate(tl.Transformer(config, seed=7))
        logits = plain.forward(src, tgt)
        assert_close(quick.forward(src, tgt), logits, "logits")
        assert "decoder.layers.1.cross_attn.dropped_weights" in plain.trace()
        for name, want in plain.trace().items():
            assert_close(quick.trace()[name], want, name)
        dlogits = np.random.default_rng(0).standard_normal(logits.shape)
        plain.zero_grad(), quick.zero_grad()
        plain.backward(dlogits), quick.backward(dlogits)
        assert_gradients_close(quick, plain)


# -- the switch -----------------------------------------------------------------------------------
def test_accelerate_switches_every_layer_in_place_and_keeps_the_parameters():
    model = tl.Transformer(tl.TransformerConfig(num_encoder_layers=2), seed=0)
    arrays = {name: id(p) for name, p in model.parameters().items()}
    flat = model.parameter_buffers()[0][0]
    kinds = {name: type(module) for name, module in model.named_modules()}
    assert fast.accelerate(model) is model
    for name, module in model.named_modules():
        plain_kind = kinds[name]
        assert type(module) is fast.FAST_LAYERS.get(plain_kind, plain_kind), name
        assert isinstance(module, plain_kind)
    assert type(model.encoder.layers[1].self_attn.w_q) is fast.FastLinear
    assert {name: id(p) for name, p in model.parameters().items()} == arrays
    assert model.parameter_buffers()[0][0] is flat
    assert fast.accelerate(model) is model  # a second call changes nothing
    assert type(model.encoder.layers[0].norm1) is fast.FastLayerNorm


def test_accelerate_leaves_a_lesson_s_own_subclass_alone():
    class Doubled(tl.Linear):
        def forward(self, x):
            return 2 * super().forward(x)

    layer = Doubled(3, 2, np.random.default_rng(0))
    fast.accelerate(layer)
    assert type(layer) is Doubled


def test_no_module_of_the_teaching_code_imports_the_fast_path():
    package = Path(tl.__file__).parent
    for folder in ("model", "training"):
        for path in (package / folder).glob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ImportFrom):
                    names = [node.module or ""] + [alias.name for alias in node.names]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                else:
                    continue
                assert not any(name == "fast" or "fast." in name or name.endswith(".fast") for name in names), path
