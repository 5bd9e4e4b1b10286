"""Beam search with the GNMT length penalty: against exhaustive search over every output on tiny
models (scored by re-running the full model, independently of the cache), width 1 without a
penalty is greedy decoding, the recorded tree is consistent, the hand-made table gives the
numbers its docstring multiplies out, and bad arguments get clear errors."""

import itertools

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.lessons.beam_example import TableModel, hand_beam_search, hand_model
from transformer_lib.lessons.toy import token_names
from transformer_lib.training.beam import beam_decode, hypothesis_score, length_penalty, run_beam_search
from transformer_lib.training.generation import generate

BOS, EOS = 2, 3
SRC = np.array([[5, 8, 3, 6], [7, 0, 2, 4], [3, 3, 8, 1]])


def tiny_model(seed, vocab=4, **overrides):
    """Target vocabulary of `vocab` tokens, no pad id (every generated id is a real token)."""
    config = dict(src_vocab_size=9, tgt_vocab_size=vocab, d_model=8, num_heads=2, d_ff=16, num_encoder_layers=1,
                  num_decoder_layers=2, max_len=6)
    model = tl.Transformer(tl.TransformerConfig(**(config | overrides)), seed=seed)
    model.generator.bias[EOS] += 1.0  # make <eos> likely enough that outputs of every length compete
    return model


def every_output(vocab, max_len, eos_id):
    """Every sequence beam search can return: ended by the first <eos> (then <eos> repeated), or
    max_len tokens without one. Returns (N, max_len) ids and (N,) lengths."""
    words = [t for t in range(vocab) if t != eos_id]
    outputs, lengths = [], []
    for n in range(1, max_len + 1):
        for body in itertools.product(words, repeat=n - 1):
            outputs.append([*body] + [eos_id] * (max_len - n + 1))
            lengths.append(n)
    for body in itertools.product(words, repeat=max_len):
        outputs.append(list(body))
        lengths.append(max_len)
    return np.array(outputs), np.array(lengths)


@pytest.mark.parametrize("alpha", [0.0, 0.6, 1.5])
@pytest.mark.parametrize("seed", range(3))
def test_a_beam_as_wide_as_every_output_finds_the_exhaustive_best(seed, alpha):
    vocab, max_len = 4, 4
    model = tiny_model(seed, vocab)
    outputs, lengths = every_output(vocab, max_len, EOS)
    result = beam_decode(model, SRC, BOS, max_len, beam_width=len(outputs), alpha=alpha, eos_id=EOS)
    for i in range(len(SRC)):
        log_p = tl.sequence_log_probability(model, np.repeat(SRC[i:i + 1], len(outputs), 0), outputs, BOS, EOS)
        scores = hypothesis_score(log_p, lengths, alpha)
        best = int(scores.argmax())
        np.testing.assert_array_equal(result.sequences[i], outputs[best])
        assert result.lengths[i] == lengths[best]
        assert abs(result.scores[i] - scores[best]) < 1e-12 and abs(result.log_probs[i] - log_p[best]) < 1e-12
        for width in (1, 2, 3):  # a narrower beam may miss the best, never beat it
            narrow = beam_decode(model, SRC[i:i + 1], BOS, max_len, beam_width=width, alpha=alpha, eos_id=EOS)
            assert narrow.scores[0] <= scores[best] + 1e-12


@pytest.mark.parametrize("seed", range(3))
def test_without_eos_a_wide_beam_finds_the_most_probable_sequence(seed):
    vocab, max_len = 4, 3
    model = tiny_model(seed, vocab)
    outputs = np.array(list(itertools.product(range(vocab), repeat=max_len)))
    result = beam_decode(model, SRC, BOS, max_len, beam_width=vocab ** max_len)
    for i in range(len(SRC)):
        log_p = tl.sequence_log_probability(model, np.repeat(SRC[i:i + 1], len(outputs), 0), outputs, BOS)
        np.testing.assert_array_equal(result.sequences[i], outputs[log_p.argmax()])


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("eos_id", [None, EOS])
def test_width_one_without_a_penalty_is_greedy_decoding(seed, eos_id):
    model = tiny_model(seed, vocab=7)
    result = beam_decode(model, SRC, BOS, 6, beam_width=1, eos_id=eos_id)
    np.testing.assert_array_equal(result.sequences, generate(model, SRC, BOS, 6, eos_id))


def test_a_beam_can_score_below_greedy():
    """Beam search is not exhaustive, and a wider beam is not always better: two prefixes more
    probable than greedy's push it out of a beam of 2, and both then fall apart. Greedy writes
    a x <eos>, P = 0.52 x 0.34 x 1 = 0.1768, the most probable output. A beam of 2 keeps b y and
    b x (0.48 x 0.5 = 0.24 each) over a x, and every ending of those is 0.24 x 0.25 = 0.06."""
    a, b, c, x, y, eos = 0, 1, 2, 3, 4, 5
    spread = {t: 0.25 for t in (a, b, c, x)}  # four ways on, none ending
    table = {(): {a: 0.52, b: 0.48}, (a,): {x: 0.34, y: 0.33, c: 0.33}, (b,): {y: 0.5, x: 0.5},
             (b, y): spread, (b, x): spread}  # every prefix not listed ends: <eos> with probability 1
    model = TableModel(table, 6, eos)
    greedy = run_beam_search(model.scorer(), 1, bos_id=eos, max_len=3, beam_width=1, eos_id=eos)
    beam = run_beam_search(model.scorer(), 1, bos_id=eos, max_len=3, beam_width=2, eos_id=eos)
    wide = run_beam_search(model.scorer(), 1, bos_id=eos, max_len=3, beam_width=6 ** 3, eos_id=eos)
    assert greedy.sequences[0].tolist() == [a, x, eos] and np.isclose(np.exp(greedy.log_probs[0]), 0.52 * 0.34)
    assert beam.sequences[0, 0] == b and np.isclose(np.exp(beam.log_probs[0]), 0.06)
    assert wide.sequences[0].tolist() == [a, x, eos]


def test_a_batch_searches_as_each_sentence_alone():
    model = tiny_model(1, vocab=7, pad_id=1)
    src = np.array([[5, 8, 3, 6], [7, 0, 1, 1], [3, 3, 8, 1]])  # right-padded with the pad id 1
    batched = beam_decode(model, src, BOS, 6, beam_width=3, alpha=0.6, eos_id=EOS)
    for i, row in enumerate(src):
        alone = beam_decode(model, row[row != 1][None], BOS, 6, beam_width=3, alpha=0.6, eos_id=EOS)
        np.testing.assert_array_equal(batched.sequences[i], alone.sequences[0])
        assert abs(batched.scores[i] - alone.scores[0]) < 1e-12


def test_the_recorded_tree_adds_up():
    """Following parents back from every kept hypothesis gives a prefix whose log-probability
    (re-computed by the full model) is the recorded one; each finished hypothesis's too."""
    model = tiny_model(2, vocab=7)
    result = beam_decode(model, SRC[:1], BOS, 6, beam_width=3, alpha=0.6, eos_id=EOS)
    for t, step in enumerate(result.steps, start=1):
        for j in range(3):
            if not np.isfinite(step.log_probs[0, j]):
                continue
            tokens, row = [], j
            for earlier in reversed(result.steps[:t]):
                tokens.insert(0, int(earlier.tokens[0, row]))
                row = int(earlier.parents[0, row])
            expected = tl.sequence_log_probability(model, SRC[:1], np.array([tokens]), BOS)[0]
            assert abs(step.log_probs[0, j] - expected) < 1e-12
            assert abs(step.candidates[0, step.parents[0, j], step.tokens[0, j]] - expected) < 1e-12
    assert result.finished, "this model ends some hypotheses"
    for ended in result.finished:
        log_p = tl.sequence_log_probability(model, SRC[:1], np.array([ended.tokens]), BOS)[0]
        assert ended.tokens[-1] == EOS and abs(ended.log_prob - log_p) < 1e-12
        assert abs(ended.score - log_p / length_penalty(len(ended.tokens), 0.6)) < 1e-12


def test_the_hand_made_table_gives_the_numbers_multiplied_out_by_hand():
    model = hand_model()
    greedy, beam, penalised = hand_beam_search(1), hand_beam_search(2), hand_beam_search(2, alpha=1.0)
    cases = [(greedy, "goyangireul joahae <eos>", 0.5 * 0.45 * 0.6), (beam, "naneun <eos>", 0.4 * 0.5),
             (penalised, "naneun goyangireul joahae <eos>", 0.4 * 0.45 * 0.9 * 1.0)]
    for result, words, probability in cases:
        found = result.sequences[0, : result.lengths[0]]
        assert " ".join(token_names(found)) == words
        assert np.isclose(np.exp(result.log_probs[0]), probability, rtol=1e-12)
        assert np.isclose(model.sequence_probability(found), probability, rtol=1e-12)
    assert np.isclose(penalised.scores[0], np.log(0.162) / 1.5, rtol=1e-12)  # lp(4) = (5 + 4) / 6 = 1.5


def test_length_penalty_values():
    assert length_penalty(1, 0.6) == 1.0 and length_penalty(7, 0.0) == 1.0
    np.testing.assert_allclose(length_penalty(np.array([1, 4, 13]), 1.0), [1.0, 1.5, 3.0])
    assert np.isclose(length_penalty(10, 0.6), 2.5 ** 0.6)


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(beam_width=0), ValueError, r"beam_width must be a positive integer \(1 keeps one hypothesis\), got 0"),
    (dict(beam_width=2.0), ValueError, r"beam_width must be a positive integer .* got 2.0"),
    (dict(alpha=-0.5), ValueError, r"alpha must be a finite number >= 0 .* got -0.5"),
    (dict(alpha=float("nan")), ValueError, r"alpha must be a finite number >= 0 .* got nan"),
    (dict(max_len=7), ValueError, r"max_len must be an integer in \[1, 6\] \(the positional-encoding table has 6 rows\)"),
    (dict(eos_id=7), ValueError, r"eos_id must be a token id in \[0, 6\], got 7"),
])
def test_bad_arguments_are_refused(kwargs, error, message):
    arguments = dict(bos_id=BOS, max_len=4, beam_width=2) | kwargs
    with pytest.raises(error, match=message):
        beam_decode(tiny_model(0, vocab=7), SRC, **arguments)


def test_a_table_whose_rows_do_not_sum_to_one_is_refused():
    with pytest.raises(ValueError, match=r"the probabilities after prefix \(\) must be >= 0 and sum to 1"):
        TableModel({(): {0: 0.5, 1: 0.4}}, 3, 2)
