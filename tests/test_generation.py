"""Generation with the KV cache: greedy `generate` equals re-running the full model on the prefix
and taking the argmax; a generated <pad> stays a real token; <eos> ends a sequence; clear errors."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.training.generation import generate, most_probable

BOS, EOS, PAD = 2, 4, 1
SRC = np.array([[5, 8, 3, 6], [7, 0, 1, 1], [3, 3, 8, 1]])  # right-padded with PAD


def random_model(seed, **overrides):
    config = dict(src_vocab_size=9, tgt_vocab_size=7, d_model=8, num_heads=2, d_ff=16, num_encoder_layers=2,
                  num_decoder_layers=2, max_len=8, pad_id=PAD)
    return tl.Transformer(tl.TransformerConfig(**(config | overrides)), seed=seed)


def greedy_by_recomputation(model, src, max_len):
    """The definition: run the whole model on the prefix, append the last row's argmax."""
    ys = np.full((len(src), 1), BOS)
    for _ in range(max_len):
        logits = model.forward(src, ys, tgt_padding=np.zeros(ys.shape, dtype=bool))
        ys = np.concatenate([ys, logits[:, -1].argmax(axis=-1)[:, None]], axis=1)
    return ys[:, 1:]


@pytest.mark.parametrize("seed", range(6))
def test_greedy_generation_equals_recomputing_the_prefix(seed):
    model = random_model(seed)
    np.testing.assert_array_equal(generate(model, SRC, BOS, 7), greedy_by_recomputation(model, SRC, 7))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("pad_id", [None, PAD])
def test_greedy_generation_equals_greedy_decode(seed, pad_id):
    """The same tokens as re-running the decoder on the prefix (`greedy_decode`), with and
    without a pad id (the models here write <pad> as a token now and then)."""
    model = random_model(seed, pad_id=pad_id)
    for eos_id in (None, EOS):
        np.testing.assert_array_equal(generate(model, SRC, BOS, 7, eos_id),
                                      tl.greedy_decode(model, SRC, BOS, 7, eos_id))


def test_a_generated_pad_token_is_not_padding():
    """A model that always prefers <pad>: the later positions still attend to it (a generated id
    is a token, whatever its value), so the logits are those of the unmasked prefix."""
    model = random_model(1)
    model.generator.bias[PAD] = 50.0
    out = generate(model, SRC, BOS, 5)
    np.testing.assert_array_equal(out, np.full((3, 5), PAD))
    np.testing.assert_array_equal(out, greedy_by_recomputation(model, SRC, 5))


def test_after_eos_only_eos_and_early_stop():
    model = random_model(2)
    model.generator.bias[EOS] = 100.0
    calls = []
    out = generate(model, SRC, BOS, 6, EOS, pick=lambda logits: calls.append(1) or most_probable(logits))
    np.testing.assert_array_equal(out, np.full((3, 6), EOS))
    assert len(calls) == 1, "every sequence ended at the first step: no second step"


def test_a_pick_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"pick returned shape \(1,\), expected \(3,\): one id per sequence"):
        generate(random_model(0), SRC, BOS, 4, pick=lambda logits: np.zeros(1, dtype=int))


@pytest.mark.parametrize("kwargs, message", [
    (dict(bos_id=7), r"bos_id must be a token id in \[0, 6\], got 7"),
    (dict(eos_id=-1), r"eos_id must be a token id in \[0, 6\], got -1"),
    (dict(max_len=9), r"max_len must be an integer in \[1, 8\] \(the positional-encoding table has 8 rows\), got 9"),
    (dict(max_len=0), r"max_len must be an integer in \[1, 8\] .* got 0"),
    (dict(max_len=3.0), r"max_len must be an integer in \[1, 8\] .* got 3.0"),
])
def test_bad_arguments_are_refused(kwargs, message):
    arguments = dict(bos_id=BOS, max_len=4) | kwargs
    with pytest.raises(ValueError, match=message):
        generate(random_model(0), SRC, **arguments)
