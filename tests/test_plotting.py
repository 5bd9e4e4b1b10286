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


def drawn_width_in_pixels(fig, dpi=100):
    """The width of the saved PNG (tight bounding box, as the notebooks save it)."""
    return fig.get_tightbbox().width * dpi


def test_wide_figures_shrink_their_cells_then_wrap_and_stay_under_about_1000_pixels():
    rng = np.random.default_rng(0)
    for shapes in ([(3, 6)] * 3, [(3, 6), (3, 2), (3, 6)], [(3, 6), (6, 11), (3, 11)], [(3, 4)] * 2):
        fig = matrix_figure([dict(matrix=rng.standard_normal(s), title="panel") for s in shapes])
        assert fig.get_figwidth() <= MAX_WIDTH and drawn_width_in_pixels(fig) <= 1000, shapes
        plt.close(fig)
    fig = matrix_figure([dict(matrix=rng.standard_normal((3, 6)))] * 3)
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 2)  # 18 columns wrap onto 2 rows
    plt.close(fig)


def test_shared_scale_puts_compared_panels_on_one_colour_scale():
    small, large, positive = np.full((2, 2), 0.1), np.array([[-3.0, 1.0]]), np.array([[0.5, 2.0]])
    fig = matrix_figure([dict(matrix=small), dict(matrix=large), dict(matrix=positive)], shared_scale=True)
    limits = {ax.images[0].get_clim() for ax in fig.axes}
    maps = {ax.images[0].get_cmap().name for ax in fig.axes}
    assert limits == {(-3.0, 3.0)} and maps == {"RdBu_r"}
    plt.close(fig)
    fig = matrix_figure([dict(matrix=small), dict(matrix=large)])
    assert fig.axes[0].images[0].get_clim() != fig.axes[1].images[0].get_clim()  # without it, each its own
    plt.close(fig)
