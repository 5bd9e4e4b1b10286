"""The positional-encoding drawings draw the numbers they are given."""

import matplotlib.pyplot as plt
import numpy as np

import transformer_lib as tl
from transformer_lib.figures.positional_encoding import (
    dimension_label,
    pe_curves_figure,
    pe_table_figure,
    position_similarity_figure,
)


def test_dimension_label():
    assert dimension_label(0, 6) == "dim 0 (sin, i=0)"
    assert dimension_label(5, 6) == "dim 5 (cos, i=2)"


def test_curves_are_the_columns():
    pe = tl.sinusoidal_positional_encoding(20, 8)
    fig = pe_curves_figure(pe, [0, 1, 6])
    lines = [line for line in fig.axes[0].get_lines() if line.get_label().startswith("dim")]
    assert [line.get_label() for line in lines] == ["dim 0 (sin, i=0)", "dim 1 (cos, i=0)", "dim 6 (sin, i=3)"]
    for line, d in zip(lines, [0, 1, 6], strict=True):
        np.testing.assert_array_equal(line.get_ydata(), pe[:, d])
    plt.close(fig)


def test_table_image_is_the_table():
    pe = tl.sinusoidal_positional_encoding(50, 64)
    fig = pe_table_figure(pe)
    np.testing.assert_array_equal(np.asarray(fig.axes[0].images[0].get_array()), pe)
    assert "50 x 64" in fig.axes[0].get_title()
    plt.close(fig)


def test_similarity_rows():
    pe = tl.sinusoidal_positional_encoding(30, 16)
    s = pe @ pe.T
    fig = position_similarity_figure(s, [0, 15])
    np.testing.assert_array_equal(np.asarray(fig.axes[0].images[0].get_array()), s)
    rows = [line for line in fig.axes[1].get_lines() if line.get_label().startswith("p =")]
    np.testing.assert_array_equal(rows[1].get_ydata(), s[15])
    plt.close(fig)
