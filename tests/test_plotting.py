"""The annotated heatmap writes each value in its cell as the reader should read it."""

import matplotlib.pyplot as plt
import numpy as np

from transformer_lib.figures.plotting import heatmap, outline, symmetric_limit


def test_cells_show_their_values_without_negative_zeros_and_masked_cells_as_inf():
    fig, ax = plt.subplots()
    heatmap(ax, np.array([[-0.0001, 0.5], [-0.2, -np.inf]]), decimals=2)
    assert [t.get_text() for t in ax.texts] == ["0.00", "0.50", "-0.20", "-inf"]
    plt.close(fig)


def test_a_matrix_too_large_to_annotate_gets_a_colour_bar_instead():
    fig, ax = plt.subplots()
    heatmap(ax, np.arange(50 * 20, dtype=float).reshape(50, 20))
    assert len(ax.texts) == 0 and len(fig.axes) == 2
    plt.close(fig)


def test_a_figure_with_one_shared_colour_bar_can_turn_the_panels_bars_off():
    fig, axes = plt.subplots(1, 2)
    heatmap(axes[0], np.arange(50 * 20, dtype=float).reshape(50, 20), colorbar=False)
    heatmap(axes[1], np.eye(2), colorbar=True)
    assert len(fig.axes) == 3  # two panels and the one bar asked for
    plt.close(fig)


def test_outline_boxes_a_row_a_column_or_a_cell_of_the_drawn_matrix():
    fig, ax = plt.subplots()
    heatmap(ax, np.zeros((3, 5)))
    outline(ax, row=1)
    outline(ax, column=4, color="green", linewidth=1.0)
    outline(ax, row=2, column=0)
    boxes = [(p.get_xy(), p.get_width(), p.get_height()) for p in ax.patches]
    assert boxes == [((-0.5, 0.5), 5, 1), ((3.5, -0.5), 1, 3), ((-0.5, 1.5), 1, 1)]
    plt.close(fig)


def test_symmetric_limit_is_the_largest_magnitude_and_never_zero():
    assert symmetric_limit(np.array([[0.5, -2.0]]), np.array([1.5])) == 2.0
    assert symmetric_limit(np.zeros((2, 2))) == 1.0


def test_panels_that_share_their_rows_label_them_once_and_leave_the_width_to_the_cells():
    from transformer_lib.figures.gradient_check import gradient_check_figure
    from transformer_lib.figures.plotting import matrix_figure

    panels = [dict(matrix=np.ones((3, 6)), row_labels=["a", "b", "c"]) for _ in range(3)]
    apart, shared = matrix_figure(panels), matrix_figure(panels, share_rows=True)
    assert shared.get_figwidth() < apart.get_figwidth() - 2
    labelled = [[t.get_text() for t in ax.get_yticklabels() if t.get_visible() and t.get_text()] for ax in shared.axes]
    assert labelled == [["a", "b", "c"], [], []]
    check = gradient_check_figure(np.ones((6, 6)), np.ones((6, 6)), list("abcdef"), list("abcdef"), "a 6 x 6 weight")
    assert check.get_figwidth() * 100 <= 1000  # chapter 11's explorer: at most 1000 px at the notebooks' 100 dpi
    for fig in (apart, shared, check):
        plt.close(fig)
