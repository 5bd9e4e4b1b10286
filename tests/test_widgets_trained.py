"""The weights switch of the attention controls: with trained weights the controls show the
trained running example, whose cross-attention follows the source words; the menus offer the
words of the model chosen, and switching back to the untrained model never leaves a word it
does not know."""

import numpy as np
import pytest

from transformer_lib import toy
from transformer_lib.lessons import translation
from transformer_lib.model.loss import CrossEntropyLoss
from transformer_lib.widgets.attention import attention_data, attention_explorer, multi_head_data
from transformer_lib.widgets.cross_attention import cross_attention_data, cross_attention_explorer, cross_attention_view
from transformer_lib.widgets.encoder_stack import encoder_stack_data, encoder_stack_explorer
from transformer_lib.widgets.masked_decoder import masked_decoder_data, masked_decoder_explorer
from transformer_lib.widgets.output_loss import lecture_tokens_and_the_rest, output_loss_data, output_loss_view

ID = translation.TOKEN_ID


def trained_trace(src=toy.SOURCE_IDS, decoder_input=toy.DECODER_INPUT_IDS):
    model = toy.trained_model()
    model.forward(np.asarray(src)[None], np.asarray(decoder_input)[None])
    return model.trace()


def test_every_control_reads_the_trained_model():
    trace = trained_trace()
    np.testing.assert_allclose(attention_data(num_heads=2, head=1, weights="trained")["weights"],
                               trace["encoder.layers.0.self_attn.weights"][0, 1], atol=1e-12)
    np.testing.assert_allclose(multi_head_data(2, weights="trained")["weights"],
                               trace["encoder.layers.0.self_attn.weights"][0], atol=1e-12)
    np.testing.assert_array_equal(cross_attention_data(weights="trained")["weights"],
                                  trace["decoder.layers.0.cross_attn.weights"][0])
    np.testing.assert_array_equal(encoder_stack_data(1, weights="trained")[0], trace["memory"])
    np.testing.assert_allclose(masked_decoder_data(2, 6, weights="trained")["weights"],
                               trace["decoder.layers.0.self_attn.weights"][0], atol=1e-12)  # 6 -> 6: no change
    d = output_loss_data(weights="trained")
    np.testing.assert_allclose(d["logits"], trace["logits"][0])
    assert d["loss"] == pytest.approx(CrossEntropyLoss().forward(trace["logits"][0], toy.TARGET_IDS))
    with pytest.raises(ValueError, match="weights must be one of"):
        cross_attention_data(weights="random")
    with pytest.raises(ValueError, match="1 encoder layer"):
        encoder_stack_data(2, weights="trained")


@pytest.mark.parametrize("obj, written", [("cats", "goyangireul"), ("dogs", "gaereul"), ("birds", "saereul")])
def test_the_object_moves_the_written_word_and_the_row_that_reads_it(obj, written):
    d = cross_attention_data((ID["I"], ID["love"], ID[obj]), weights="trained")
    assert toy.token_names(d["predicted"], translation.VOCAB) == ["naneun", written, "joahae"]
    assert toy.token_names(d["decoder_input"], translation.VOCAB) == ["<bos>", "naneun", written]
    object_row = d["weights"][:, 1].mean(axis=0)  # the row that predicts the object, mean of the heads
    assert object_row.argmax() == 2 and object_row[2] > 0.5


@pytest.mark.parametrize("verb, written", [("love", "joahae"), ("see", "bwa"), ("hate", "sireohae")])
def test_the_verb_moves_the_last_word_and_the_row_that_reads_it(verb, written):
    d = cross_attention_data((ID["I"], ID[verb], ID["cats"]), weights="trained")
    assert toy.token_names(d["predicted"], translation.VOCAB)[2] == written
    verb_row = d["weights"][:, 2].mean(axis=0)
    assert verb_row.argmax() == 1 and verb_row[1] > 0.5


def test_the_view_says_what_the_trained_model_writes():
    view = cross_attention_view(ID["I"], ID["love"], ID["dogs"], head=1, weights="trained")
    assert "predicted: naneun gaereul joahae" in view.text
    assert "naneun -> gaereul" in view.text and "its own translation" in view.text


def test_menus_follow_the_switch_and_never_keep_a_word_the_model_does_not_know():
    box = cross_attention_explorer()
    word_1, word_2, word_3, head, weights = box.children[1].children
    assert len(word_2.options) == 5
    weights.value = "trained"
    assert len(word_2.options) == len(translation.ENGLISH_WORDS) + 1 and word_2.value == ID["love"]
    word_2.value = ID["see"]
    assert "predicted: naneun goyangireul bwa" in box.numbers.value
    word_3.value = ID["dogs"]
    assert "predicted: naneun gaereul bwa" in box.numbers.value
    weights.value = "untrained"  # "see" is not one of the untrained model's tokens: back to "love"
    assert (word_1.value, word_2.value, word_3.value) == (ID["I"], ID["love"], ID["dogs"])
    assert "weights: untrained" in box.numbers.value and "source: I love dogs" in box.numbers.value

    box = attention_explorer()
    tokens, weights = box.children[1].children[:3], box.children[1].children[-1]
    weights.value = "trained"
    assert len(tokens[0].options) == len(translation.VOCAB) and "trained single head" in box.numbers.value
    tokens[1].value = ID["hate"]
    weights.value = "untrained"
    assert tokens[1].value == ID["love"] and "untrained single head" in box.numbers.value

    box = masked_decoder_explorer()
    token, weights = box.children[1].children[2:]
    weights.value = "trained"
    token.value = ID["saereul"]
    assert "goyangireul -&gt; saereul" in box.numbers.value
    weights.value = "untrained"
    assert token.value == 10 and "weights: untrained" in box.numbers.value


def test_the_encoder_slider_stops_at_the_trained_models_one_layer():
    box = encoder_stack_explorer()
    layers, _, weights = box.children[1].children
    weights.value = "trained"
    assert (layers.value, layers.max) == (1, 1) and "trained weights, 1 layer(s)" in box.numbers.value
    weights.value = "untrained"
    layers.value = 4
    assert "untrained weights, 4 layer(s)" in box.numbers.value


def test_the_trained_output_picture_groups_the_other_tokens():
    d = output_loss_data(weights="trained")
    grouped, labels = lecture_tokens_and_the_rest(d["probs"], translation.VOCAB)
    assert grouped.shape == (3, 12) and labels[-1] == "25 others"
    np.testing.assert_allclose(grouped.sum(axis=-1), 1.0)
    assert np.all(d["probs"][np.arange(3), toy.TARGET_IDS] > 0.9)
    view = output_loss_view(weights="trained")
    assert "uniform guess ln 36" in view.text and "most likely joahae" in view.text
