"""The training figures draw the numbers they are given: both loss curves and their difference
(exact zeros marked apart), the loss with its running mean and the learning rate, one
attention panel per head on a 0-to-1 scale."""

import numpy as np

from transformer_lib.figures.training import (
    attention_heads_figure,
    side_by_side_figure,
    snapshots_figure,
    training_curves_figure,
)


def test_side_by_side_draws_both_curves_and_marks_exact_zeros():
    ours = np.array([2.0, 1.0, 0.5, 0.25])
    theirs = ours + np.array([0.0, 4e-16, 0.0, -3e-16])
    fig = side_by_side_figure(ours, theirs)
    left, right = fig.axes
    np.testing.assert_array_equal(left.lines[0].get_ydata(), ours)
    np.testing.assert_array_equal(left.lines[1].get_ydata(), theirs)
    differences, zeros = right.lines[1], right.lines[2]
    np.testing.assert_array_equal(differences.get_xdata(), [2, 4])
    np.testing.assert_allclose(differences.get_ydata(), np.abs(ours - theirs)[[1, 3]])
    np.testing.assert_array_equal(zeros.get_xdata(), [1, 3])


def test_training_curves_show_the_running_mean_and_the_schedule():
    losses = np.linspace(3.0, 0.1, 60)
    rates = np.linspace(0.0, 1e-3, 60)
    fig = training_curves_figure(losses, rates, smooth=10)
    loss_ax, rate_ax = fig.axes
    raw, mean = loss_ax.lines
    np.testing.assert_array_equal(raw.get_ydata(), losses)
    np.testing.assert_allclose(mean.get_ydata(), np.convolve(losses, np.ones(10) / 10, mode="valid"))
    assert mean.get_xdata()[0] == 10
    np.testing.assert_array_equal(rate_ax.lines[0].get_ydata(), rates)


def test_attention_panels_one_per_head_on_a_fixed_scale():
    weights = np.random.default_rng(0).dirichlet(np.ones(5), size=(3, 4))  # (3 heads, 4 queries, 5 keys)
    fig = attention_heads_figure(weights, list("ABCD"), list("vwxyz"), title="t")
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 3
    assert len(fig.axes) == 4  # the panels and one shared colour bar
    for h, ax in enumerate(panels):
        np.testing.assert_array_equal(ax.images[0].get_array(), weights[h])
        assert ax.images[0].get_clim() == (0, 1)
    assert [t.get_text() for t in panels[0].get_xticklabels()] == list("vwxyz")
    maps = snapshots_figure(weights, [0, 10, 20], list("ABCD"), list("vwxyz"))
    assert [ax.get_title() for ax in maps.axes if ax.images] == ["before training", "after step 10", "after step 20"]
