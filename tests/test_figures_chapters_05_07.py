"""The drawings of notebooks 05 to 07 draw what they are given."""

import matplotlib.pyplot as plt
import numpy as np

from transformer_lib.figures.norm_axes import drawing_orientation_figure, norm_axes_figure
from transformer_lib.figures.relu_units import relu_units_figure
from transformer_lib.figures.residual_gradients import residual_gradients_figure


def test_norm_axes_figure_has_two_blocks():
    fig = norm_axes_figure()
    assert len(fig.axes) == 2 and all(ax.name == "3d" for ax in fig.axes)
    plt.close(fig)


def test_orientation_figure_draws_the_matrix_and_its_transpose():
    m = np.arange(18.0).reshape(3, 6)
    fig = drawing_orientation_figure(m, ["a", "b", "c"], [f"f{i}" for i in range(6)], token=1)
    left, right = (np.asarray(ax.images[0].get_array()) for ax in fig.axes)
    np.testing.assert_array_equal(left, m)
    np.testing.assert_array_equal(right, m.T)
    plt.close(fig)


def test_relu_figure_hatches_exactly_the_zeros():
    hidden = np.array([[1.0, -2.0, 0.5, -0.1], [-1.0, 2.0, -0.5, 0.0]])
    activated = np.maximum(hidden, 0)
    fig = relu_units_figure(hidden, activated, ["x", "y"])
    bottom = fig.axes[1]
    hatched = {(int(p.get_x() + 0.5), int(p.get_y() + 0.5)) for p in bottom.patches if p.get_hatch()}
    assert hatched == {(c, r) for r, c in zip(*np.nonzero(activated == 0), strict=True)}
    plt.close(fig)


def test_residual_gradients_figure_has_one_line_per_curve():
    curves = {"a": np.array([1.0, 0.5, 0.25]), "b": np.array([1.0, 1.1, 1.2])}
    fig = residual_gradients_figure(curves)
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["a", "b"]
    np.testing.assert_array_equal(lines[0].get_ydata(), curves["a"])
    plt.close(fig)
