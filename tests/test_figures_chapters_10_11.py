"""The drawings of notebooks 10 and 11 draw what they are given."""

import numpy as np
import pytest
from matplotlib.colors import to_rgb

from transformer_lib.figures.cross_entropy import neg_log_figure
from transformer_lib.figures.gradient_sizes import block_gradient_norms, gradient_sizes_figure
from transformer_lib.figures.probability_bars import ANSWER_COLOR, probability_bars_figure


def test_probability_bars_draw_values_outline_and_highlight():
    labels = ["a", "b", "c", "d"]
    values = np.array([0.1, 0.2, 0.3, 0.4])
    outline = np.array([0.0, 1.0, 0.0, 0.0])
    fig = probability_bars_figure([dict(values=values, highlight=1, outline=outline, baseline=0.25),
                                   dict(values=values[::-1])], labels)
    first, second = fig.axes
    heights = [bar.get_height() for bar in first.patches]
    np.testing.assert_allclose(heights, np.concatenate([values, outline]))
    np.testing.assert_allclose([bar.get_height() for bar in second.patches], values[::-1])
    highlighted = [i for i, bar in enumerate(first.patches[:4]) if bar.get_facecolor()[:3] == to_rgb(ANSWER_COLOR)]
    assert highlighted == [1]
    assert first.get_ylim() == second.get_ylim() and first.get_ylim()[1] >= 1.0   # one scale, the outline fits
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["uniform guess", "target"]
    label, = first.texts
    assert label.get_text() == "0.2000" and label.xy == (1, 1.0)  # above the outline, not inside it



def test_a_short_answer_bar_gets_its_label_above_its_taller_neighbours():
    fig = probability_bars_figure([dict(values=np.array([0.05, 0.6, 0.02, 0.3, 0.03]), highlight=2)], list("abcde"))
    label, = fig.axes[0].texts
    assert label.get_text() == "0.0200" and label.xy == (2, 0.6)


def test_probability_bars_refuse_a_wrong_length():
    with pytest.raises(ValueError, match="one per token"):
        probability_bars_figure([dict(values=np.ones(3))], ["a", "b"])


def test_neg_log_figure_marks_each_point_on_the_curve():
    fig = neg_log_figure({"x": 0.5, "y": 0.1}, vocab_size=11)
    ax = fig.axes[0]
    marks = [line for line in ax.get_lines() if line.get_marker() == "o"]
    np.testing.assert_allclose([m.get_xdata()[0] for m in marks], [0.5, 0.1])
    np.testing.assert_allclose([m.get_ydata()[0] for m in marks], -np.log([0.5, 0.1]))
    assert any("ln 11 = 2.3979" in t.get_text() for t in ax.texts)


def test_block_gradient_norms_group_parameters():
    grads = {"a.w_q.weight": np.full((2, 2), 1.0), "a.w_k.bias": np.zeros(2), "a.w_v.weight": np.ones((2, 2)),
             "norm.gamma": np.array([3.0, 4.0]), "generator.weight": np.array([[0.0, 2.0]])}
    norms = block_gradient_norms(grads)
    assert list(norms) == ["a", "norm", "generator"]
    np.testing.assert_allclose(list(norms.values()), [np.sqrt(8.0), 5.0, 2.0])


def test_gradient_sizes_figure_draws_one_bar_per_block_and_the_reference():
    norms = {"input": 0.5, "middle": 0.25, "output": 1.0}
    fig = gradient_sizes_figure(norms, {"input": 0.5, "middle": 0.3, "output": 1.0}, "torch")
    ax = fig.axes[0]
    label_at = {round(y): label.get_text() for y, label in zip(ax.get_yticks(), ax.get_yticklabels(), strict=True)}
    bars = {label_at[round(p.get_y() + p.get_height() / 2)]: p.get_width() for p in ax.patches}
    assert bars == {"output": 1.0, "middle": 0.25, "input": 0.5}
    ticks = [line for line in ax.get_lines() if line.get_marker() == "|"][0]
    np.testing.assert_allclose(sorted(ticks.get_xdata()), [0.3, 0.5, 1.0])
