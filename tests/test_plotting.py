"""The annotated heatmap writes each value in its cell as the reader should read it."""

import matplotlib.pyplot as plt
import numpy as np

from transformer_lib.figures.plotting import MAX_WIDTH, heatmap, matrix_figure, outline, symmetric_limit


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


def test_a_row_of_panels_too_wide_for_the_page_wraps_onto_a_second_row():
    panels = [dict(matrix=np.ones((3, 6)), colorbar=True) for _ in range(3)]
    fig = matrix_figure(panels)
    assert fig.get_figwidth() <= MAX_WIDTH
    assert len({round(ax.get_position().y0, 2) for ax in fig.axes if ax.images}) == 2  # two rows of panels
    assert sum(1 for ax in fig.axes if ax.images) == 3  # the empty slot of the last row is gone
    plt.close(fig)


def test_a_fixed_number_of_columns_keeps_its_row_and_shrinks_its_cells_instead():
    panels = [dict(matrix=np.ones((3, 3)), colorbar=i == 3) for i in range(4)]
    fig = matrix_figure(panels, ncols=4)
    assert fig.get_figwidth() <= MAX_WIDTH
    assert len({round(ax.get_position().y0, 2) for ax in fig.axes if ax.images}) == 1
    plt.close(fig)


def test_a_figure_that_fits_keeps_its_size():
    fig = matrix_figure([dict(matrix=np.ones((3, 6))), dict(matrix=np.ones((3, 6)))])
    assert fig.get_figwidth() == 12 * 0.55 + 2 * 1.4
    plt.close(fig)
