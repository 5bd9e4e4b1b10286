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


# -- a <pad> the model writes is a token like any other --------------------------------------------
def greedy_by_hand(model, src, bos_id, max_len, eos_id=None, mask_generated_pads=False):
    """Greedy decoding written out: for each sentence alone, one `forward` per step on the whole
    prefix. The target has no padding (a finished sequence is just filled with eos_id), unless
    `mask_generated_pads` asks for the padding mask built from the prefix's pad ids."""
    rows = []
    for sentence in np.asarray(src):
        ys = [bos_id]
        for _ in range(max_len):
            if eos_id is not None and eos_id in ys[1:]:
                ys.append(eos_id)
                continue
            tgt_padding = None if mask_generated_pads else np.zeros((1, len(ys)), dtype=bool)
            logits = model.forward(sentence[None], np.array([ys]), tgt_padding=tgt_padding)
            ys.append(int(logits[0, -1].argmax()))
        rows.append(ys[1:])
    return np.array(rows)


def test_a_generated_pad_is_attended_to_in_later_steps():
    """The model writes <pad> (id 0) second; decoding then agrees with the step-by-step forward
    that attends to it, and not with one that would mask it as padding."""
    model = tl.Transformer(tl.TransformerConfig(pad_id=0), seed=4)
    src = [[5, 8, 9]]
    by_hand = greedy_by_hand(model, src, bos_id=2, max_len=5)
    assert 0 in by_hand[0, :-1]  # a <pad> with steps after it: the case under test
    np.testing.assert_array_equal(tl.greedy_decode(model, src, bos_id=2, max_len=5), by_hand)
    np.testing.assert_array_equal(tl.beam_search(model, src, bos_id=2, max_len=5, beam_width=1), by_hand)
    masked = greedy_by_hand(model, src, bos_id=2, max_len=5, mask_generated_pads=True)
    assert not np.array_equal(masked, by_hand)  # the comparison can tell the two semantics apart


@pytest.mark.parametrize("eos_id", [None, EOS])
def test_greedy_and_beam_width_one_equal_decoding_by_hand(eos_id):
    generated_pads = 0
    for seed in range(8):
        model = random_model(seed)
        by_hand = greedy_by_hand(model, SRC, BOS, max_len=6, eos_id=eos_id)
        np.testing.assert_array_equal(tl.greedy_decode(model, SRC, BOS, max_len=6, eos_id=eos_id), by_hand)
        np.testing.assert_array_equal(tl.beam_search(model, SRC, BOS, max_len=6, beam_width=1, eos_id=eos_id), by_hand)
        generated_pads += int((by_hand == PAD).sum())
    assert generated_pads > 0  # the models did write <pad>, so the case is covered


@pytest.mark.parametrize("eos_id", [None, EOS])
def test_sequence_log_probability_equals_the_step_by_step_sum(eos_id):
    """Summed one token at a time from `forward` on each prefix, a <pad> inside the output included."""
    model = random_model(5)
    output = np.array([[PAD, 3, EOS, PAD, 6], [5, PAD, PAD, 0, 3], [6, 6, 3, EOS, EOS]])
    scores = tl.sequence_log_probability(model, SRC, output, BOS, eos_id=eos_id)
    for i, (sentence, out) in enumerate(zip(SRC, output, strict=True)):
        expected, prefix = 0.0, [BOS]
        for token in out:
            logits = model.forward(sentence[None], np.array([prefix]), tgt_padding=np.zeros((1, len(prefix)), bool))
            expected += tl.log_softmax(logits[0, -1])[token]
            if token == eos_id:
                break
            prefix.append(int(token))
        assert scores[i] == pytest.approx(expected, abs=1e-12)


def test_a_beam_as_wide_as_every_prefix_finds_the_best_sequence_scored_by_forward():
    """Every sequence of length 3 scored by one teacher-forced `forward` without target padding;
    beam search of width 11^2 returns the best. On this model the best starts with <pad>, and
    masking that <pad> would make another sequence the best."""
    model = tl.Transformer(tl.TransformerConfig(pad_id=0), seed=34)
    vocab, length, src = 11, 3, [[5, 8, 9]]
    candidates = np.array(list(itertools.product(range(vocab), repeat=length)))  # (11^3, 3)
    decoder_input = np.concatenate([np.full((len(candidates), 1), 2), candidates[:, :-1]], axis=1)

    def best(tgt_padding):
        logits = model.forward(np.repeat(src, len(candidates), axis=0), decoder_input, tgt_padding=tgt_padding)
        scores = np.take_along_axis(tl.log_softmax(logits), candidates[..., None], axis=-1)[..., 0].sum(axis=1)
        return candidates[scores.argmax()]

    expected = best(tgt_padding=np.zeros(decoder_input.shape, dtype=bool))
    assert expected[0] == 0 and not np.array_equal(best(tgt_padding=None), expected)
    beam = tl.beam_search(model, src, bos_id=2, max_len=length, beam_width=vocab ** (length - 1))
    np.testing.assert_array_equal(beam[0], expected)
