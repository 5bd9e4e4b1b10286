import math

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.exercises import nb09


def test_cross_attention_shapes_match_the_package():
    attn = tl.MultiHeadAttention(6, 2, np.random.default_rng(0))
    attn.forward(np.zeros((1, 4, 6)), np.ones((1, 7, 6)))
    t = attn.trace()
    shapes = {name: t[name].shape[2:] for name in ("Q", "K", "V", "weights")}
    assert shapes == {"Q": (4, 3), "K": (7, 3), "V": (7, 3), "weights": (4, 7)}
    assert nb09.check_cross_attention_shapes(shapes).passed


def test_cross_attention_shapes():
    solution = {"Q": (4, 3), "K": (7, 3), "V": (7, 3), "weights": (4, 7)}
    assert nb09.check_cross_attention_shapes(solution).passed
    assert nb09.check_cross_attention_shapes({k: list(v) for k, v in solution.items()}).passed
    for change, words in [
        ({"Q": (7, 3)}, "Q comes from the decoder"),
        ({"Q": (4, 6)}, "d_k = d_model / heads"),
        ({"K": (4, 3)}, "encoder output (memory)"),
        ({"K": (7, 6)}, "K has d_k = 3"),
        ({"V": (4, 3)}, "V comes from the encoder"),
        ({"V": (7, 6)}, "V has d_k = 3"),
        ({"weights": (7, 4)}, "rows are queries"),
        ({"weights": (4, 4)}, "masked self-attention"),
        ({"weights": (7, 7)}, "encoder's self-attention"),
        ({"weights": (1, 2, 4, 7)}, "weights is not (1, 2, 4, 7)."),
        ({"Q": "(4, 3)"}, "should be a shape"),
        ({"K": (7.0, 3)}, "should be a shape"),
        ({"V": np.zeros((7, 3))}, "should be a shape"),
    ]:
        result = nb09.check_cross_attention_shapes(solution | change)
        assert not result.passed and words in result.message, change
    for answer, words in [({"Q": (4, 3)}, "no key 'K'"), ([(4, 3), (7, 3), (7, 3)], "dict"), (..., "Not attempted")]:
        result = nb09.check_cross_attention_shapes(answer)
        assert not result.passed and words in result.message, answer


def running_example():
    model = toy.toy_model(seed=0)
    model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])
    t = model.trace()
    return (t["decoder.layers.0.cross_attn.Q"][0, 0, 1], t["decoder.layers.0.cross_attn.K"][0, 0],
            t["decoder.layers.0.cross_attn.V"][0, 0], t["decoder.layers.0.cross_attn.weights"][0, 0, 1])


def test_cross_attention_row():
    q, K, V, weights = running_example()
    solution = tl.softmax(q @ K.T / math.sqrt(3))
    np.testing.assert_allclose(solution, weights, atol=1e-12)
    np.testing.assert_allclose(nb09.expected_cross_attention_row(), weights, atol=0)
    assert nb09.check_cross_attention_row(solution).passed
    assert nb09.check_cross_attention_row(list(np.round(solution, 4))).passed  # from the printed numbers
    scores = q @ K.T
    for answer, words in [
        (tl.softmax(scores), "not scaled"),
        (tl.softmax(scores / math.sqrt(6)), "sqrt(6) = sqrt(d_model)"),
        (scores / math.sqrt(3), "scaled scores"),
        (scores, "raw scores"),
        (tl.softmax(np.where([False, False, True], -np.inf, scores / math.sqrt(3))), "causal mask"),
        (tl.softmax(q @ K / math.sqrt(3)), "K transposed"),
        (solution @ V, "output row"),
        (np.full(3, 1 / 3), "weight"),
        (solution[:2], "shape (2,)"),
        (solution[None], "shape (1, 3)"),
        ([np.nan, 0.5, 0.5], "NaN or inf"),
        ("0.64 0.02 0.35", "array of numbers"),
        (None, "Not attempted"),
    ]:
        result = nb09.check_cross_attention_row(answer)
        assert not result.passed and words in result.message, answer


def test_cross_attention_mask_matches_the_package():
    model = toy.toy_model(seed=0)
    src = np.array([[5, 8, 9, toy.PAD_ID]])
    model.forward(src, toy.DECODER_INPUT_IDS[None], src_padding=src == toy.PAD_ID)
    weights = model.trace()["decoder.layers.0.cross_attn.weights"][0]
    assert np.all(weights[..., 3] == 0.0) and np.all(weights[..., :3] > 0)  # padding only, nothing causal


def test_cross_attention_mask():
    for answer in ("b", "B", " b ", "(b)", "b."):
        assert nb09.check_cross_attention_mask(answer).passed, answer
    for answer, words in [("a", "future"), ("c", "decoder's self-attention"), ("d", "source* padding"),
                          ("e", "one letter"), ("padding", "one letter"), (2, "as a string"), (..., "Not attempted")]:
        result = nb09.check_cross_attention_mask(answer)
        assert not result.passed and words in result.message, answer


def test_decoder_layer_parameters():
    layer = tl.DecoderLayer(tl.LayerConfig(d_model=6, num_heads=2, d_ff=24), np.random.default_rng(0))
    assert nb09.check_decoder_layer_parameters(layer.num_parameters()).passed
    assert nb09.check_decoder_layer_parameters(690).passed
    encoder_layer = tl.EncoderLayer(tl.LayerConfig(d_model=6, num_heads=2, d_ff=24), np.random.default_rng(0)).num_parameters()
    for answer, words in [(encoder_layer, "encoder layer"), (678, "third layer norm"), (522, "both attention"),
                          (576, "weight matrices only"), (700, "not 700"), ("690", "whole number"),
                          (..., "Not attempted")]:
        result = nb09.check_decoder_layer_parameters(answer)
        assert not result.passed and words in result.message, answer


def test_the_trained_map_reads_the_translated_words_of_a_held_out_sentence():
    from transformer_lib.lessons import translation

    assert nb09.HELD_OUT_SENTENCE in {tuple(toy.token_names(s, translation.VOCAB)) for s in translation.held_out_pairs().src}
    weights, written = nb09.trained_map()
    np.testing.assert_allclose(weights.sum(axis=1), 1.0)
    assert written == translation.translate(nb09.HELD_OUT_SENTENCE)  # the model translates it right
    assert [nb09.HELD_OUT_SENTENCE[c] for c in weights.argmax(axis=1)] == ["dogs", "milk", "hate"]
    assert np.all(weights.max(axis=1) > 0.5)


def test_rows_read():
    assert nb09.check_rows_read(["dogs", "milk", "hate"]).passed
    assert nb09.check_rows_read((" Dogs", "milk ", "hate")).passed
    for answer, words in [
        (["dogs", "hate", "milk"], "English word order"),
        (["gaega", "uyureul", "sireohae"], "not the Korean words"),
        (["I", "milk", "hate"], "'I' is not a word of the source"),
        (["dogs", "hate", "hate"], "row 1 puts its largest weight"),
        (["dogs", "milk"], "list of 3"),
        ("dogs milk hate", "got str"),
        ([0, 2, 1], "list of 3"),
        (..., "Not attempted"),
    ]:
        result = nb09.check_rows_read(answer)
        assert not result.passed and words in result.message, answer


def test_rows_write():
    assert nb09.check_rows_write(["gaega", "uyureul", "sireohae"]).passed
    assert nb09.check_rows_write(["개가", "우유를", "싫어해"]).passed  # in Hangul
    for answer, words in [
        (["gaereul", "uyureul", "sireohae"], "as an *object*"),
        (["dogs", "milk", "hate"], "not the English words"),
        (["gaega", "sireohae", "uyureul"], "row 1 writes uyureul"),
        (["gaega", "uyureul", "joahae"], "row 2 writes sireohae"),
        ([None, "uyureul", "sireohae"], "strings"),
        (None, "Not attempted"),
    ]:
        result = nb09.check_rows_write(answer)
        assert not result.passed and words in result.message, answer


@pytest.mark.parametrize("checker", [nb09.check_cross_attention_shapes, nb09.check_cross_attention_row,
                                     nb09.check_cross_attention_mask, nb09.check_decoder_layer_parameters,
                                     nb09.check_rows_read, nb09.check_rows_write])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), float("inf"), -1, b"x", [], np.zeros(0), [None],
                   {"Q": None, "K": None, "V": None, "weights": None}, "", "  "]:
        assert not checker(answer).passed, answer
