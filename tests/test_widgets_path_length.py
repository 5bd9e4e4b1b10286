"""The sentence-length explorer: a longer sentence means more sequential steps and a longer path
for a recurrent layer, never for self-attention; the operation counts cross at n = d."""

import numpy as np
import pytest

from transformer_lib.widgets.path_length import path_length_data, path_length_explorer, path_length_view


@pytest.mark.parametrize("length", [2, 3, 20, 512, 1000])
def test_costs_at_the_chosen_length(length):
    at = path_length_data(length)["at"]
    assert (at["rnn_steps"], at["attention_steps"]) == (length, 1)
    assert (at["rnn_path"], at["attention_path"]) == (length - 1, 1)
    assert at["rnn_operations"] == length * 512 ** 2 and at["attention_operations"] == length ** 2 * 512


def test_a_longer_sentence_changes_only_the_rnn_steps_and_path():
    short, long = path_length_data(10)["at"], path_length_data(40)["at"]
    assert long["rnn_steps"] > short["rnn_steps"] and long["rnn_path"] > short["rnn_path"]
    assert long["attention_steps"] == short["attention_steps"] == 1
    assert long["attention_path"] == short["attention_path"] == 1


def test_operations_cross_at_d():
    d = path_length_data(20, d_model=64)
    cheaper_attention = d["lengths"][d["attention_operations"] < d["rnn_operations"]]
    assert cheaper_attention.max() == 63
    assert "(cheaper: self-attention)" in path_length_view(20).text
    assert "(cheaper: RNN)" in path_length_view(700).text
    assert "(cheaper: neither)" in path_length_view(512).text


def test_figure_marks_the_chosen_length():
    view = path_length_view(30)
    steps_axis = view.figure.axes[0]
    rnn_line = next(line for line in steps_axis.get_lines() if line.get_marker() != "o")
    np.testing.assert_array_equal(rnn_line.get_ydata(), path_length_data(30)["rnn_steps"])
    marks = [line for line in steps_axis.get_lines() if line.get_marker() == "o"]
    assert [float(line.get_xdata()[0]) for line in marks] == [30.0, 30.0]
    assert "sentence length n = 30" in view.text and "RNN 30   self-attention 1" in view.text
    legend = steps_axis.get_legend()
    assert legend.get_title().get_text() == "at n = 30"
    assert [t.get_text() for t in legend.get_texts()] == ["RNN: 30", "self-attention: 1"]


def test_bad_length_is_refused():
    with pytest.raises(ValueError, match="length"):
        path_length_data(1)


def test_explorer_slider_redraws():
    box = path_length_explorer()
    (slider,) = box.children[1].children
    before = box.image.value
    slider.value = 100
    assert "sentence length n = 100" in box.numbers.value and "RNN 99" in box.numbers.value
    assert box.image.value != before
