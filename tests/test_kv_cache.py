"""The KV cache: the incremental decoder's logits equal the full decoder re-run on the whole
prefix at every step (float64, < 1e-12) and PyTorch's own nn.TransformerDecoderLayer stack on
that prefix; batched, with source and target padding; beam rows selected from the cache decode
as if they had been decoded alone; clear errors for bad arguments."""

import numpy as np
import pytest
import torch

import transformer_lib as tl
from transformer_lib.model.kv_cache import IncrementalDecoder
from transformer_lib.reference.torch_model import torch_twin

PAD = 1
SRC = np.array([[5, 8, 3, 6, 2], [7, 0, 1, 1, 1], [3, 3, 8, 4, 1]])  # right-padded with PAD
PADDED_SRC = SRC == PAD
STEPS = 10


def random_model(seed, norm_first=False, dtype="float64", **overrides):
    config = dict(src_vocab_size=9, tgt_vocab_size=7, d_model=8, num_heads=2, d_ff=16, num_encoder_layers=2,
                  num_decoder_layers=3, max_len=STEPS, pad_id=PAD, norm_first=norm_first, dtype=dtype)
    return tl.Transformer(tl.TransformerConfig(**(config | overrides)), seed=seed)


def random_targets(seed, padding_rate=0.0):
    rng = np.random.default_rng(seed)
    return rng.integers(0, 7, (len(SRC), STEPS)), rng.random((len(SRC), STEPS)) < padding_rate


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("padding_rate", [0.0, 0.3])
def test_every_step_equals_the_full_decoder_on_the_prefix(seed, norm_first, padding_rate):
    """Target ids drawn at random (the pad id among them, as real tokens unless marked)."""
    model = random_model(seed, norm_first)
    tgt, tgt_padding = random_targets(seed, padding_rate)
    decoder = IncrementalDecoder(model, SRC)
    memory = model.encode(SRC)
    for t in range(STEPS):
        logits = decoder.step(tgt[:, t], tgt_padding[:, t])
        full = model.decode(tgt[:, :t + 1], memory, src_padding=PADDED_SRC, tgt_padding=tgt_padding[:, :t + 1])
        assert logits.shape == (len(SRC), 7)
        assert np.abs(logits - full[:, t]).max() < 1e-12, f"step {t}"


@pytest.mark.parametrize("norm_first", [False, True])
def test_every_step_equals_pytorchs_decoder_layers_on_the_prefix(norm_first):
    model = random_model(4, norm_first)
    twin = torch_twin(model).eval()
    tgt, _ = random_targets(4)
    decoder = IncrementalDecoder(model, SRC)
    for t in range(STEPS):
        logits = decoder.step(tgt[:, t])
        with torch.no_grad():
            reference = twin(torch.as_tensor(SRC), torch.as_tensor(tgt[:, :t + 1]), torch.as_tensor(PADDED_SRC))
        np.testing.assert_allclose(logits, reference[:, t].numpy(), rtol=0, atol=1e-12, err_msg=f"step {t}")


def test_earlier_keys_and_values_never_change():
    """What makes the cache correct: the full decoder's self-attention keys and values of the
    first t positions are the same whether the prefix has t or t + 1 tokens (the causal mask)."""
    model = random_model(5)
    tgt, _ = random_targets(5)
    memory = model.encode(SRC)
    previous = None
    for t in range(1, STEPS + 1):
        model.decode(tgt[:, :t], memory, src_padding=PADDED_SRC, tgt_padding=np.zeros((3, t), dtype=bool))
        trace = model.trace()
        kv = [trace[f"decoder.layers.{i}.self_attn.{name}"] for i in range(3) for name in ("K", "V")]
        if previous is not None:
            for now, before in zip(kv, previous, strict=True):
                assert np.abs(now[:, :, :t - 1] - before).max() < 1e-12
        previous = [a.copy() for a in kv]


def test_the_cache_holds_the_keys_and_values_of_the_full_decoder():
    model = random_model(6)
    tgt, _ = random_targets(6)
    decoder = IncrementalDecoder(model, SRC)
    for t in range(STEPS):
        decoder.step(tgt[:, t])
    model.decode(tgt, model.encode(SRC), src_padding=PADDED_SRC, tgt_padding=np.zeros(tgt.shape, dtype=bool))
    trace = model.trace()
    for i, cache in enumerate(decoder.layers):
        assert np.abs(cache.keys - trace[f"decoder.layers.{i}.self_attn.K"]).max() < 1e-12
        assert np.abs(cache.values - trace[f"decoder.layers.{i}.self_attn.V"]).max() < 1e-12
        assert np.abs(cache.memory_keys - trace[f"decoder.layers.{i}.cross_attn.K"]).max() < 1e-12


def test_a_padded_batch_decodes_as_each_sentence_alone():
    model = random_model(7)
    tgt, _ = random_targets(7)
    batched = IncrementalDecoder(model, SRC)
    alone = [IncrementalDecoder(model, src[src != PAD][None]) for src in SRC]
    for t in range(STEPS):
        logits = batched.step(tgt[:, t])
        for i, decoder in enumerate(alone):
            assert np.abs(logits[i] - decoder.step(tgt[i:i + 1, t])[0]).max() < 1e-12


def test_selected_rows_continue_from_their_own_cache():
    """After `select`, each row decodes as the sequence whose cache it took (rows may repeat)."""
    model = random_model(8)
    tgt, _ = random_targets(8)
    decoder = IncrementalDecoder(model, SRC)
    for t in range(4):
        decoder.step(tgt[:, t])
    rows = np.array([2, 2, 0, 1])
    decoder.select(rows)
    next_tokens = np.array([3, 5, 0, 6])
    logits = decoder.step(next_tokens)
    prefix = np.concatenate([tgt[rows, :4], next_tokens[:, None]], axis=1)
    full = model.forward(SRC[rows], prefix, tgt_padding=np.zeros(prefix.shape, dtype=bool))
    assert np.abs(logits - full[:, -1]).max() < 1e-12
    np.testing.assert_array_equal(decoder.tokens, prefix)


def test_float32_cache_agrees_with_float32_recomputation():
    model = random_model(9, dtype="float32")
    tgt, _ = random_targets(9)
    decoder = IncrementalDecoder(model, SRC)
    memory = model.encode(SRC)
    for t in range(STEPS):
        logits = decoder.step(tgt[:, t])
        assert logits.dtype == np.float32
        full = model.decode(tgt[:, :t + 1], memory, src_padding=PADDED_SRC, tgt_padding=np.zeros((3, t + 1), bool))
        assert np.abs(logits - full[:, t]).max() < 1e-5


# -- bad arguments --------------------------------------------------------------------------------
def test_a_step_beyond_the_positional_table_is_refused():
    model = random_model(0)
    decoder = IncrementalDecoder(model, SRC)
    for _ in range(STEPS):
        decoder.step(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"cannot decode position 10: the cache holds capacity=10 positions \(at "
                                         r"most the positional-encoding table's max_len=10 rows\)"):
        decoder.step(np.zeros(3, dtype=int))
    short = IncrementalDecoder(model, SRC, capacity=2)
    short.step(np.zeros(3, dtype=int))
    short.step(np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match=r"cannot decode position 2: the cache holds capacity=2 positions"):
        short.step(np.zeros(3, dtype=int))


@pytest.mark.parametrize("capacity", [0, 11, 2.5, "3"])
def test_a_capacity_outside_the_positional_table_is_refused(capacity):
    with pytest.raises(ValueError, match=rf"capacity must be an integer in \[1, 10\] .* got {capacity!r}"):
        IncrementalDecoder(random_model(0), SRC, capacity=capacity)


def test_bad_step_arguments_are_refused():
    decoder = IncrementalDecoder(random_model(0), SRC)
    with pytest.raises(ValueError, match=r"tokens has shape \(2,\), expected \(3,\): one id per sequence"):
        decoder.step([0, 1])
    with pytest.raises(ValueError, match=r"tokens has token id 7 outside the vocabulary"):
        decoder.step([0, 1, 7])
    with pytest.raises(ValueError, match=r"padding must be a bool array of shape \(3,\), got int64 \(3,\)"):
        decoder.step([0, 1, 2], padding=np.array([0, 1, 0]))
    assert decoder.length == 0, "a refused step changes nothing"


def test_bad_source_and_rows_are_refused():
    model = random_model(0)
    with pytest.raises(TypeError, match="model must be a Transformer, got str"):
        IncrementalDecoder("model", SRC)
    with pytest.raises(ValueError, match=r"src must have shape \(batch, seq\), got shape \(5,\)"):
        IncrementalDecoder(model, SRC[0])
    with pytest.raises(ValueError, match=r"src_padding has shape \(3, 3\), expected the tokens' shape \(3, 5\)"):
        IncrementalDecoder(model, SRC, src_padding=PADDED_SRC[:, :3])
    with pytest.raises(TypeError, match=r"src_padding must be a boolean array \(True at padding\), got dtype int64"):
        IncrementalDecoder(model, SRC, src_padding=PADDED_SRC.astype(int))
    decoder = IncrementalDecoder(model, SRC)
    with pytest.raises(ValueError, match=r"rows must be a 1-D array of row indices in \[0, 2\], got array\(\[0, 3\]\)"):
        decoder.select(np.array([0, 3]))
