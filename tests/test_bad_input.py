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


def test_ragged_batch(model):
    with pytest.raises(ValueError, match=r"src=\[\[1, 2\], \[3\]\] is a ragged batch \(sequences of lengths \[2, 1\]\): "
                                         r"expected sequences of one length"):
        model.forward([[1, 2], [3]], [[2, 0], [2, 6]])
    with pytest.raises(ValueError, match=r"tgt=\[\[2, 0\], \[6\]\] is a ragged batch"):
        model.forward([[1, 2], [3, 4]], [[2, 0], [6]])
    with pytest.raises(ValueError, match=r"src=.* is a ragged batch \(sequences of lengths \[1, 3\]\)"):
        tl.greedy_decode(model, [[5], [5, 8, 9]], bos_id=2, max_len=3)


def test_empty_source_or_target(model):
    with pytest.raises(ValueError, match=r"src has shape \(1, 0\): expected at least one sequence of at least one token"):
        model.forward([[]], TGT)
    with pytest.raises(ValueError, match=r"tgt has shape \(1, 0\): expected at least one sequence"):
        model.forward(SRC, np.zeros((1, 0), dtype=int))
    with pytest.raises(ValueError, match=r"src has shape \(0, 3\): expected at least one sequence"):
        model.encode(np.zeros((0, 3), dtype=int))
    with pytest.raises(ValueError, match=r"src has shape \(1, 0\)"):
        tl.beam_search(model, [[]], bos_id=2, max_len=3)
    with pytest.raises(ValueError, match=r"output has shape \(1, 0\)"):
        tl.sequence_log_probability(model, SRC, [[]], bos_id=2)


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
        tl.EncoderLayer(tl.LayerConfig(d_model=6, num_heads=2, d_ff=8, norm_first=True), rng()).forward(np.zeros((3, 6)))


def test_decoder_memory_of_the_wrong_shape(model):
    with pytest.raises(ValueError, match=r"memory has shape \(1, 3, 5\), expected \(any, any, 6\)"):
        model.decode(TGT, np.zeros((1, 3, 5)))
    with pytest.raises(ValueError, match=r"memory has shape \(2, 3, 6\), expected \(1, any, 6\)"):
        tl.DecoderLayer(tl.LayerConfig(d_model=6, num_heads=2, d_ff=8), rng()).forward(np.zeros((1, 2, 6)), np.zeros((2, 3, 6)))


def test_decode_source_padding_that_does_not_fit_the_memory(model):
    memory = model.encode(np.array([[1, 2, 3]]))
    with pytest.raises(ValueError, match=r"src_padding has shape \(1, 2\), expected memory's \(batch, source length\) "
                                         r"\(1, 3\): one flag per source token"):
        model.decode(TGT, memory, src_padding=np.array([[False, True]]))


def test_loss_targets_of_the_wrong_shape():
    with pytest.raises(ValueError, match=r"targets has shape \(3,\), expected \(2,\) \(logits without the last axis\)"):
        tl.CrossEntropyLoss().forward(np.zeros((2, 5)), [0, 1, 2])


def test_backward_before_any_forward(model):
    with pytest.raises(ValueError, match=r"backward\(dlogits\) differentiates the last forward pass, and there is none"):
        model.backward(np.ones((1, 3, 11)))
    model.forward(SRC, TGT)
    model.encode(SRC)  # encode (or decode) alone leaves nothing that backward could pair with dlogits
    with pytest.raises(ValueError, match="there is none: expected model.forward"):
        model.backward(np.ones((1, 3, 11)))
    assert all(not g.any() for g in model.gradients().values())


def test_backward_with_dlogits_of_the_wrong_shape(model):
    model.forward(SRC, TGT)
    with pytest.raises(ValueError, match=r"dlogits has shape \(1, 3, 5\), expected \(1, 3, 11\)"):
        model.backward(np.ones((1, 3, 5)))
    with pytest.raises(ValueError, match=r"dlogits has shape \(3, 11\), expected \(1, 3, 11\)"):
        model.backward(np.ones((3, 11)))


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


def test_negative_layer_norm_epsilon():
    message = r"layer_norm_eps must be a positive finite number \(it keeps sqrt\(var \+ eps\) above 0\), got -1.0"
    with pytest.raises(ValueError, match=message):
        tl.TransformerConfig(layer_norm_eps=-1.0)
    with pytest.raises(ValueError, match=message):
        tl.LayerConfig(layer_norm_eps=-1.0)
    with pytest.raises(ValueError, match=r"eps must be a positive finite number .*, got 0.0"):
        tl.LayerNorm(6, eps=0.0)


def test_pad_id_outside_the_vocabulary():
    with pytest.raises(ValueError, match=r"pad_id must be None or a token id of both vocabularies, an integer in "
                                         r"\[0, 10\], got 99"):
        tl.TransformerConfig(pad_id=99)
    with pytest.raises(ValueError, match=r"an integer in \[0, 6\], got 7"):
        tl.TransformerConfig(src_vocab_size=11, tgt_vocab_size=7, pad_id=7)  # a source id, not a target id


def test_layers_refuse_anything_but_a_layer_config():
    with pytest.raises(TypeError, match=r"config must be a LayerConfig, e.g. LayerConfig\(d_model=6, num_heads=2, "
                                        r"d_ff=24\) or TransformerConfig\(...\).layer_config\(\), got 6"):
        tl.EncoderLayer(6, rng())
    with pytest.raises(ValueError, match="attention_scale must be 'd_k' .* or 'd_model' .*, got 'sqrt'"):
        tl.LayerConfig(attention_scale="sqrt")
    with pytest.raises(ValueError, match="num_layers must be a non-negative integer, got -1"):
        tl.Decoder(-1, tl.LayerConfig(), rng())


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
# Values are checked where they enter the model (the memory given to decode, the logits given to
# the loss, the weights given to load_state_dict); the layers inside check shapes only.
def test_a_nan_weight_is_caught_at_the_loss_or_after_the_encoder():
    model = toy_model(seed=0)
    model.parameters()["decoder.layers.0.ffn.linear1.weight"][0, 0] = np.nan
    logits = model.forward(SRC, TGT)
    with pytest.raises(ValueError, match=r"logits contains NaN or inf \(nan at index"):
        tl.CrossEntropyLoss().forward(logits, [[0, 6, 3]])
    model = toy_model(seed=0)
    model.parameters()["encoder.layers.0.ffn.linear1.weight"][0, 0] = np.nan
    with pytest.raises(ValueError, match=r"memory contains NaN or inf \(nan at index"):
        model.forward(SRC, TGT)


def test_inf_in_decoder_memory(model):
    memory = np.zeros((1, 3, 6))
    memory[0, 0, 0] = np.inf
    with pytest.raises(ValueError, match=r"memory contains NaN or inf \(inf at index \(0, 0, 0\)\)"):
        model.decode(TGT, memory)


def test_nan_in_logits():
    with pytest.raises(ValueError, match=r"logits contains NaN or inf \(nan at index \(0, 1\)\)"):
        tl.CrossEntropyLoss().forward(np.array([[0.0, np.nan]]), [0])


@pytest.mark.parametrize("bad_call", [
    lambda m: m.forward(SRC, [[2, 0, 99]]),
    lambda m: m.forward(SRC, [[2, 0], [6]]),
    lambda m: m.forward(SRC, [[]]),
    lambda m: m.backward(np.ones((1, 3, 5))),
], ids=["id outside the vocabulary", "ragged target", "empty target", "dlogits of the wrong shape"])
def test_an_error_changes_nothing(model, bad_call):
    """A rejected call leaves the model as it was: same weights, same trace, same gradients."""
    loss = tl.CrossEntropyLoss()
    loss.forward(model.forward(SRC, TGT), [[0, 6, 3]])
    model.backward(loss.backward())
    before = (model.state_dict(), {k: v.copy() for k, v in model.trace().items()},
              {k: v.copy() for k, v in model.gradients().items()})
    with pytest.raises(ValueError):
        bad_call(model)
    for now, then in zip((model.parameters(), model.trace(), model.gradients()), before, strict=True):
        assert now.keys() == then.keys()
        for name, value in now.items():
            np.testing.assert_array_equal(value, then[name], err_msg=name)
