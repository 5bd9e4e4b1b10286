"""Greedy decoding and beam search: batched, beam width 1 equals greedy, a wide enough beam finds
the exhaustive optimum, beam search scores at least greedy's on random models, and <eos> ends a
sequence."""

import itertools

import numpy as np
import pytest

import transformer_lib as tl

BOS, EOS, PAD = 2, 4, 1


def random_model(seed, **overrides):
    config = dict(src_vocab_size=9, tgt_vocab_size=7, d_model=8, num_heads=2, d_ff=16, num_encoder_layers=2,
                  num_decoder_layers=2, max_len=8, pad_id=PAD)
    return tl.Transformer(tl.TransformerConfig(**(config | overrides)), seed=seed)


SRC = np.array([[5, 8, 3, 6], [7, 0, 1, 1], [3, 3, 8, 1]])  # right-padded with PAD = 1


def test_greedy_picks_the_argmax_at_every_step():
    model = random_model(0)
    out = tl.greedy_decode(model, SRC, bos_id=BOS, max_len=5)
    assert out.shape == (3, 5) and out.dtype == np.int64
    decoder_input = np.concatenate([np.full((3, 1), BOS), out[:, :-1]], axis=1)
    np.testing.assert_array_equal(model.forward(SRC, decoder_input).argmax(axis=-1), out)


@pytest.mark.parametrize("decode", [tl.greedy_decode, lambda m, s, **kw: tl.beam_search(m, s, beam_width=3, **kw)])
def test_a_batch_decodes_as_each_sentence_alone(decode):
    """Padding in the batch changes nothing: each row equals the row decoded without padding."""
    model = random_model(1)
    batched = decode(model, SRC, bos_id=BOS, max_len=6)
    for row, src in zip(batched, SRC, strict=True):
        alone = decode(model, src[src != PAD][None], bos_id=BOS, max_len=6)
        np.testing.assert_array_equal(row, alone[0])


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("eos_id", [None, EOS])
def test_beam_width_one_equals_greedy(seed, eos_id):
    model = random_model(seed)
    np.testing.assert_array_equal(tl.beam_search(model, SRC, BOS, max_len=6, beam_width=1, eos_id=eos_id),
                                  tl.greedy_decode(model, SRC, BOS, max_len=6, eos_id=eos_id))


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("eos_id", [None, EOS])
def test_beam_search_scores_at_least_greedy_on_random_models(seed, eos_id):
    """Not a theorem (a prefix beam search prunes can lead to the best sequence), but it holds on
    these random models; the width-V^(L-1) test below is the exact guarantee."""
    model = random_model(seed)
    greedy = tl.greedy_decode(model, SRC, BOS, max_len=6, eos_id=eos_id)
    beam = tl.beam_search(model, SRC, BOS, max_len=6, beam_width=4, eos_id=eos_id)
    greedy_score = tl.sequence_log_probability(model, SRC, greedy, BOS, eos_id)
    beam_score = tl.sequence_log_probability(model, SRC, beam, BOS, eos_id)
    assert np.all(beam_score >= greedy_score - 1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_a_beam_as_wide_as_every_prefix_finds_the_exhaustive_optimum(seed):
    """With width V^(L-1) no prefix is ever pruned, so beam search must return the most
    probable of all V^L sequences."""
    vocab, length = 5, 3
    model = random_model(seed, tgt_vocab_size=vocab)
    src = SRC[:2]
    beam = tl.beam_search(model, src, BOS, max_len=length, beam_width=vocab ** (length - 1))
    candidates = np.array(list(itertools.product(range(vocab), repeat=length)))  # (V^L, L)
    for i in range(len(src)):
        scores = tl.sequence_log_probability(model, np.repeat(src[i:i + 1], len(candidates), axis=0), candidates, BOS)
        np.testing.assert_array_equal(beam[i], candidates[scores.argmax()])
    # narrower beams may prune the best prefix: they score at most the optimum
    best = tl.sequence_log_probability(model, src, beam, BOS)
    for width in (1, 2, 5):
        narrow = tl.beam_search(model, src, BOS, max_len=length, beam_width=width)
        assert np.all(tl.sequence_log_probability(model, src, narrow, BOS) <= best + 1e-12)


@pytest.mark.parametrize("decode", [tl.greedy_decode, lambda m, s, *a, **kw: tl.beam_search(m, s, *a, beam_width=3, **kw)])
def test_after_eos_only_eos(decode):
    """A model whose output layer always prefers <eos>: every sequence ends at once and the rest
    is filled with <eos>."""
    model = random_model(2)
    model.generator.bias[EOS] = 100.0
    out = decode(model, SRC, BOS, 5, eos_id=EOS)
    np.testing.assert_array_equal(out, np.full((3, 5), EOS))


def test_sequence_log_probability_ignores_tokens_after_eos():
    model = random_model(3)
    out = np.array([[0, EOS, 5, 6], [0, 3, EOS, EOS], [5, 6, 0, 3]])
    full = tl.sequence_log_probability(model, SRC, out, BOS)
    ended = tl.sequence_log_probability(model, SRC, out, BOS, eos_id=EOS)
    assert ended[0] > full[0] and ended[1] > full[1] and ended[2] == pytest.approx(full[2], abs=1e-12)
    assert np.all(ended < 0)


def test_float32_model_decodes_like_float64():
    src = SRC[:2]
    out64 = tl.beam_search(random_model(4), src, BOS, max_len=5, beam_width=3)
    out32 = tl.beam_search(random_model(4, dtype="float32"), src, BOS, max_len=5, beam_width=3)
    np.testing.assert_array_equal(out32, out64)
