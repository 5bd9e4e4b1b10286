"""The annotated heatmap writes each value in its cell as the reader should read it."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from transformer_lib.figures.plotting import SMALLEST_CELL, heatmap, matrix_figure, outline, symmetric_limit


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


def _saved_width(figure) -> int:
    """The figure's width in pixels as a notebook stores it (100 dpi, cropped tight)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return Image.open(buffer).size[0]


@pytest.mark.parametrize("shapes", [[(3, 6)] * 3, [(3, 6), (3, 2), (3, 6)], [(4, 11)] * 2, [(3, 24)], [(3, 6)] * 5,
                                    [(20, 24)] * 2])
def test_matrix_figures_fit_the_notebook_column(shapes):
    """However many panels, the figure is at most 1000 px wide, and a cell with a number in it
    stays wide enough to hold the number."""
    rng = np.random.default_rng(0)
    figure = matrix_figure([dict(matrix=rng.normal(size=shape), title="Q K^T", colorbar=True) for shape in shapes])
    assert _saved_width(figure) <= 1000
    for ax, shape in zip([ax for ax in figure.axes if ax.images], shapes, strict=True):
        if shape[0] <= 12 and shape[1] <= 16:
            cell_inches = ax.get_position().width * figure.get_figwidth() / shape[1]
            assert cell_inches >= SMALLEST_CELL * 0.9


def test_panels_that_fit_stay_side_by_side_and_titles_keep_the_shape_apart():
    figure = matrix_figure([dict(matrix=np.zeros((3, 3)), title="Q K^T"), dict(matrix=np.ones((3, 3)), title="weights")])
    first, second = (ax for ax in figure.axes if ax.images)
    assert first.get_position().y0 == pytest.approx(second.get_position().y0)
    assert first.get_title() == "Q K^T (3 x 3)"


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

def _rows_of_panels(figure) -> int:
    """How many rows of panels the figure has."""
    return len({round(ax.get_position().y0, 3) for ax in figure.axes if ax.images})


def test_panels_that_share_their_rows_label_them_once_and_leave_the_width_to_the_cells():
    from transformer_lib.figures.gradient_check import gradient_check_figure
    from transformer_lib.figures.plotting import matrix_figure

    panels = [dict(matrix=np.ones((3, 6)), row_labels=["a", "b", "c"]) for _ in range(3)]
    apart, shared = matrix_figure(panels), matrix_figure(panels, share_rows=True)
    assert _rows_of_panels(shared) == 1 and _rows_of_panels(apart) == 2  # labelled three times, they do not fit a row
    labelled = [[t.get_text() for t in ax.get_yticklabels() if t.get_visible() and t.get_text()] for ax in shared.axes]
    assert labelled == [["a", "b", "c"], [], []]
    check = gradient_check_figure(np.ones((6, 6)), np.ones((6, 6)), list("abcdef"), list("abcdef"), "a 6 x 6 weight")
    assert _saved_width(check) <= 1000 and _rows_of_panels(check) == 1  # chapter 11's explorer
    for fig in (apart, shared, check):
        plt.close(fig)
