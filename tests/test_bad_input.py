"""Bad input gets a clear error that names the argument, shows the bad value and says what was
expected, before anything is computed or changed. One test per kind of mistake.
(Bad checkpoints are in test_checkpoint.py.)"""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.lessons.toy import toy_model

SRC, TGT = [[5, 8, 9]], [[2, 0, 6]]


@pytest.fixture
def model():
    return toy_model(seed=0)


def rng():
    return np.random.default_rng(0)


# -- token ids ----------------------------------------------------------------------------------
def test_token_id_out_of_range(model):
    with pytest.raises(ValueError, match=r"tgt has token id 11 outside the vocabulary: expected ids in \[0, 10\]"):
        model.forward(SRC, [[2, 0, 11]])


def test_negative_token_id(model):
    with pytest.raises(ValueError, match=r"src has token id -1 outside the vocabulary: expected ids in \[0, 10\]"):
        model.forward([[5, -1, 9]], TGT)


def test_token_ids_that_are_not_integers(model):
    with pytest.raises(TypeError, match=r"src must hold integer token ids, got dtype float64 \(\[5.0, 8.5, 9.0\]\)"):
        model.forward([[5.0, 8.5, 9.0]], TGT)


def test_token_ids_that_are_booleans(model):
    with pytest.raises(TypeError, match="tgt must hold integer token ids, got dtype bool"):
        model.forward(SRC, [[True, False]])


def test_loss_target_out_of_range():
    with pytest.raises(ValueError, match=r"targets has token id 7 outside the vocabulary: expected ids in \[0, 4\]"):
        tl.CrossEntropyLoss().forward(np.zeros((1, 2, 5)), [[0, 7]])


def test_decoding_start_id_out_of_range(model):
    with pytest.raises(ValueError, match=r"bos_id must be a token id in \[0, 10\], got 11"):
        tl.greedy_decode(model, SRC, bos_id=11, max_len=3)


# -- ranks and shapes ---------------------------------------------------------------------------
def test_tokens_of_the_wrong_rank(model):
    with pytest.raises(ValueError, match=r"src must have shape \(batch, seq\), got shape \(3,\)"):
        model.forward([5, 8, 9], TGT)


def test_tokens_of_the_wrong_rank_with_padding_configured():
    """The rank is checked before a padding mask is built from the tokens."""
    with pytest.raises(ValueError, match=r"tgt must have shape \(batch, seq\), got shape \(1, 1, 3\)"):
        toy_model(pad_id=1).forward(SRC, [TGT])


def test_source_and_target_batches_differ(model):
    with pytest.raises(ValueError, match="src has batch 2 but tgt has batch 1"):
        model.forward(SRC * 2, TGT)


def test_attention_input_of_the_wrong_rank():
    attn = tl.MultiHeadAttention(6, 2, rng())
    with pytest.raises(ValueError, match=r"query must have 3 dimensions, got shape \(3, 6\)"):
        attn.forward(np.zeros((3, 6)), np.zeros((1, 3, 6)))


def test_attention_key_value_of_the_wrong_width():
    attn = tl.MultiHeadAttention(6, 2, rng())
    with pytest.raises(ValueError, match=r"key_value has shape \(1, 4, 5\), expected \(1, any, 6\)"):
        attn.forward(np.zeros((1, 3, 6)), np.zeros((1, 4, 5)))


def test_layer_norm_input_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"x has shape \(2, 5\), expected \(\.\.\., 6\)"):
        tl.LayerNorm(6).forward(np.zeros((2, 5)))


def test_linear_input_of_the_wrong_width():
    with pytest.raises(ValueError, match=r"x has shape \(2, 3, 4\), expected \(\.\.\., 6\)"):
        tl.Linear(6, 3, rng()).forward(np.zeros((2, 3, 4)))


def test_encoder_layer_input_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"x must have 3 dimensions, got shape \(3, 6\)"):
        tl.EncoderLayer(6, 2, 8, rng(), norm_first=True).forward(np.zeros((3, 6)))


def test_decoder_memory_of_the_wrong_shape(model):
    with pytest.raises(ValueError, match=r"memory has shape \(1, 3, 5\), expected \(any, any, 6\)"):
        model.decode(TGT, np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match=r"memory has shape \(2, 3, 6\), expected \(1, any, 6\)"):
        tl.DecoderLayer(6, 2, 8, rng()).forward(np.zeros((1, 2, 6)), np.zeros((2, 3, 6)))


def test_decode_source_padding_that_does_not_fit_the_memory(model):
    memory = model.encode(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match=r"src_padding has shape \(1, 2\), expected memory's \(batch, source length\) "
                                         r"\(1, 3\): one flag per source token"):
        model.decode(TGT, memory, src_padding=np.array([[False, True]]))


def test_loss_targets_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"targets has shape \(3,\), expected \(2,\) \(logits without the last axis\)"):
        tl.CrossEntropyLoss().forward(np.zeros((2, 5)), [0, 1, 2])


# -- sizes --------------------------------------------------------------------------------------
def test_sequence_longer_than_the_positional_encoding_table(model):
    with pytest.raises(ValueError, match="src has length 17, longer than the positional-encoding table: "
                                         "expected at most max_len=16 tokens"):
        model.forward([[5] * 17], TGT)


def test_decoding_longer_than_the_positional_encoding_table(model):
    with pytest.raises(ValueError, match=r"max_len must be an integer in \[1, 16\] .* got 17"):
        tl.beam_search(model, SRC, bos_id=2, max_len=17)


def test_d_model_not_divisible_by_num_heads():
    with pytest.raises(ValueError, match=r"d_model \(6\) must be divisible by num_heads \(4\): each head gets"):
        tl.TransformerConfig(d_model=6, num_heads=4)
    with pytest.raises(ValueError, match=r"d_model \(10\) must be divisible by num_heads \(3\)"):
        tl.MultiHeadAttention(10, 3, rng())


def test_sizes_that_are_not_positive_integers():
    with pytest.raises(ValueError, match="d_ff must be a positive integer, got 0"):
        tl.TransformerConfig(d_ff=0)
    with pytest.raises(ValueError, match=r"max_len must be a positive integer, got 2.5"):
        tl.sinusoidal_positional_encoding(2.5, 6)


# -- masks --------------------------------------------------------------------------------------
def test_attention_mask_that_does_not_fit():
    attn = tl.MultiHeadAttention(6, 2, rng())
    with pytest.raises(ValueError, match=r"mask has shape \(4, 4\), which does not broadcast to the attention "
                                         r"scores of shape \(1, 2, 3, 3\)"):
        attn.forward(np.zeros((1, 3, 6)), np.zeros((1, 3, 6)), np.zeros((4, 4), dtype=bool))


def test_attention_mask_that_is_not_boolean():
    attn = tl.MultiHeadAttention(6, 2, rng())
    with pytest.raises(TypeError, match=r"mask must be a boolean array \(True = masked out\), got dtype float64"):
        attn.forward(np.zeros((1, 3, 6)), np.zeros((1, 3, 6)), np.zeros((3, 3)))


def test_padding_mask_that_does_not_fit_the_tokens(model):
    with pytest.raises(ValueError, match=r"src_padding has shape \(1, 4\), expected the tokens' shape \(1, 3\)"):
        model.forward(SRC, TGT, src_padding=np.zeros((1, 4), dtype=bool))


def test_key_padding_of_the_wrong_rank():
    with pytest.raises(ValueError, match=r"key_padding has shape \(3,\), expected \(batch, keys\)"):
        tl.attention_mask(key_padding=np.zeros(3, dtype=bool))


# -- NaN and inf --------------------------------------------------------------------------------
def test_nan_in_attention_input():
    attn = tl.MultiHeadAttention(6, 2, rng())
    x = np.zeros((1, 3, 6))
    x[0, 2, 4] = np.nan
    with pytest.raises(ValueError, match=r"query contains NaN or inf \(nan at index \(0, 2, 4\)\): expected finite numbers"):
        attn.forward(x, np.zeros((1, 3, 6)))


@pytest.mark.parametrize("norm_first", [False, True])
def test_inf_in_encoder_layer_input(norm_first):
    x = np.zeros((1, 2, 6))
    x[0, 1, 0] = -np.inf
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(-inf at index \(0, 1, 0\)\)"):
        tl.EncoderLayer(6, 2, 8, rng(), norm_first=norm_first).forward(x)


def test_nan_in_layer_norm_input():
    with pytest.raises(ValueError, match=r"x contains NaN or inf \(nan at index \(1,\)\)"):
        tl.LayerNorm(3).forward(np.array([0.0, np.nan, 1.0]))


def test_inf_in_decoder_memory(model):
    memory = np.zeros((1, 3, 6))
    memory[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"memory contains NaN or inf \(inf at index \(0, 0, 0\)\)"):
        model.decode(TGT, memory)


def test_nan_in_logits():
    with pytest.raises(ValueError, match=r"logits contains NaN or inf \(nan at index \(0, 1\)\)"):
        tl.CrossEntropyLoss().forward(np.array([[0.0, np.nan]]), [0])


def test_an_error_changes_nothing(model):
    """A rejected call leaves the model as it was: same weights, same trace, same gradients."""
    model.forward(SRC, TGT)
    before = (model.state_dict(), {k: v.copy() for k, v in model.trace().items()})
    with pytest.raises(ValueError):
        model.forward(SRC, [[2, 0, 99]])
    for name, value in model.parameters().items():
        np.testing.assert_array_equal(value, before[0][name])
    assert model.trace().keys() == before[1].keys()
    for name, value in model.trace().items():
        np.testing.assert_array_equal(value, before[1][name])
