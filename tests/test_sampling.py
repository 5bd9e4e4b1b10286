"""Sampling: the temperature, top-k and top-p distributions against their definitions written out
token by token, draws that follow the distribution, seeded sampling that repeats, and clear
errors for bad arguments."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.training.generation import generate
from transformer_lib.training.sampling import draw, sample_decode, sampling_distribution

LOGITS = np.array([2.0, 1.0, 0.5, 0.5, -1.0, 3.0])


def softmax_by_hand(logits):
    e = [np.exp(x) for x in logits]
    return np.array([x / sum(e) for x in e])


def test_temperature_one_and_nothing_else_is_the_softmax():
    np.testing.assert_allclose(sampling_distribution(LOGITS), softmax_by_hand(LOGITS), rtol=1e-14)


@pytest.mark.parametrize("temperature", [0.25, 0.7, 2.0, 10.0])
def test_temperature_divides_the_logits(temperature):
    np.testing.assert_allclose(sampling_distribution(LOGITS, temperature), softmax_by_hand(LOGITS / temperature),
                               rtol=1e-12)


def test_low_temperature_tends_to_the_argmax_and_high_to_uniform():
    assert sampling_distribution(LOGITS, 0.01)[5] > 1 - 1e-12
    assert np.abs(sampling_distribution(LOGITS, 1e6) - 1 / 6).max() < 1e-5


@pytest.mark.parametrize("k", range(1, 7))
def test_top_k_keeps_the_k_most_probable_renormalised(k):
    probs = softmax_by_hand(LOGITS)
    ranked = sorted(range(6), key=lambda i: (-probs[i], i))  # ties (ids 2 and 3) -> lower id first
    kept = ranked[:k]
    expected = np.array([probs[i] if i in kept else 0.0 for i in range(6)])
    np.testing.assert_allclose(sampling_distribution(LOGITS, top_k=k), expected / expected.sum(), rtol=1e-12)


@pytest.mark.parametrize("p", [0.05, 0.5, 0.6, 0.9, 0.99, 1.0])
def test_top_p_keeps_the_smallest_most_probable_set_reaching_p(p):
    probs = softmax_by_hand(LOGITS)
    ranked = sorted(range(6), key=lambda i: (-probs[i], i))
    kept, total = [], 0.0
    for i in ranked:  # add tokens, most probable first, until their sum reaches p
        kept.append(i)
        total += probs[i]
        if total >= p:
            break
    expected = np.array([probs[i] if i in kept else 0.0 for i in range(6)])
    np.testing.assert_allclose(sampling_distribution(LOGITS, top_p=p), expected / expected.sum(), rtol=1e-12)


def test_top_p_one_keeps_even_the_least_probable_token():
    logits = np.array([40.0, 0.0, 0.0])  # the small tokens' probabilities are below float64's rounding of 1
    assert np.all(sampling_distribution(logits, top_p=1.0) > 0)


def test_temperature_then_top_k_then_top_p():
    """The order of the three: top-p sees the tempered distribution after top-k."""
    tempered = softmax_by_hand(LOGITS / 2.0)
    top3 = np.where(np.isin(np.arange(6), [5, 0, 1]), tempered, 0.0)
    top3 /= top3.sum()
    order = np.argsort(-top3, kind="stable")
    keep = (np.cumsum(top3[order]) - top3[order]) < 0.7
    expected = np.zeros(6)
    expected[order[keep]] = top3[order[keep]]
    np.testing.assert_allclose(sampling_distribution(LOGITS, 2.0, top_k=3, top_p=0.7), expected / expected.sum(),
                               rtol=1e-12)


def test_a_batch_of_rows_is_reshaped_row_by_row():
    logits = np.stack([LOGITS, LOGITS[::-1], np.zeros(6)])[None]  # (1, 3, 6)
    together = sampling_distribution(logits, 0.8, top_k=4, top_p=0.8)
    for row in range(3):
        np.testing.assert_allclose(together[0, row], sampling_distribution(logits[0, row], 0.8, top_k=4, top_p=0.8))


def test_draws_follow_the_distribution_and_never_pick_a_removed_token():
    probs = sampling_distribution(LOGITS, top_k=4)
    draws = draw(np.tile(probs, (200_000, 1)), np.random.default_rng(0))
    counts = np.bincount(draws, minlength=6)
    assert counts[probs == 0].sum() == 0
    expected = 200_000 * probs
    kept = probs > 0
    chi_square = ((counts[kept] - expected[kept]) ** 2 / expected[kept]).sum()
    assert chi_square < 16.3, "3 degrees of freedom: fails by chance once in a thousand seeds"


def test_a_seed_repeats_the_draws_and_another_seed_differs():
    probs = np.tile(sampling_distribution(LOGITS), (50, 1))
    np.testing.assert_array_equal(draw(probs, 7), draw(probs, np.random.default_rng(7)))
    assert not np.array_equal(draw(probs, 7), draw(probs, 8))


BOS, EOS = 2, 4
SRC = np.array([[5, 8, 3, 6], [7, 0, 2, 2]])


def model():
    config = tl.TransformerConfig(src_vocab_size=9, tgt_vocab_size=7, d_model=8, num_heads=2, d_ff=16, max_len=8)
    return tl.Transformer(config, seed=3)


def test_top_k_one_and_a_tiny_top_p_are_greedy_decoding():
    m = model()
    greedy = generate(m, SRC, BOS, 7, EOS)
    np.testing.assert_array_equal(sample_decode(m, SRC, BOS, 7, rng=0, eos_id=EOS, top_k=1), greedy)
    np.testing.assert_array_equal(sample_decode(m, SRC, BOS, 7, rng=1, eos_id=EOS, top_p=1e-9), greedy)


def test_seeded_sampling_repeats_and_ends_with_eos_only():
    m = model()
    first = sample_decode(m, SRC, BOS, 7, rng=11, eos_id=EOS, temperature=1.5)
    np.testing.assert_array_equal(first, sample_decode(m, SRC, BOS, 7, rng=11, eos_id=EOS, temperature=1.5))
    for row in first:
        ended = np.flatnonzero(row == EOS)
        if ended.size:
            assert np.all(row[ended[0]:] == EOS)


@pytest.mark.parametrize("kwargs, message", [
    (dict(temperature=0), r"temperature must be a positive finite number \(1 keeps the distribution\), got 0"),
    (dict(temperature=-1.0), r"temperature must be a positive finite number .* got -1.0"),
    (dict(temperature=float("inf")), r"temperature must be a positive finite number .* got inf"),
    (dict(temperature="hot"), r"temperature must be a positive finite number .* got 'hot'"),
    (dict(top_k=0), r"top_k must be None or an integer in \[1, 6\] \(the vocabulary size\), got 0"),
    (dict(top_k=7), r"top_k must be None or an integer in \[1, 6\] .* got 7"),
    (dict(top_k=2.0), r"top_k must be None or an integer in \[1, 6\] .* got 2.0"),
    (dict(top_p=0.0), r"top_p must be None or a number in \(0, 1\] \(1 keeps every token\), got 0.0"),
    (dict(top_p=1.5), r"top_p must be None or a number in \(0, 1\] .* got 1.5"),
    (dict(top_p=-0.2), r"top_p must be None or a number in \(0, 1\] .* got -0.2"),
])
def test_bad_sampling_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sampling_distribution(LOGITS, **kwargs)


def test_bad_generator_and_bad_arguments_to_sample_decode_are_refused():
    with pytest.raises(TypeError, match="rng must be a numpy Generator or an integer seed, got float"):
        draw(sampling_distribution(LOGITS), 0.5)
    with pytest.raises(ValueError, match=r"top_k must be None or an integer in \[1, 7\]"):
        sample_decode(model(), SRC, BOS, 4, rng=0, top_k=8)
