"""The positional-encoding explorer: d_model sets the table's width, the chosen row is the
formula of the paper, the figure draws the table it computed, and the sliders redraw it."""

import math

import numpy as np
import pytest

from transformer_lib.figures.positional_encoding import pe_cell_layout, update_pe_cell
from transformer_lib.widgets.positional_encoding import (
    positional_encoding_data,
    positional_encoding_explorer,
    positional_encoding_layout,
    positional_encoding_view,
)


def paper_formula(pos: int, d_model: int) -> np.ndarray:
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(pos / 10000^(2i/d)), one entry at a time."""
    row = []
    for dim in range(d_model):
        angle = pos / 10000 ** ((dim - dim % 2) / d_model)
        row.append(math.sin(angle) if dim % 2 == 0 else math.cos(angle))
    return np.array(row)


@pytest.mark.parametrize("d_model", [2, 6, 8, 64])
def test_d_model_sets_the_table_shape(d_model):
    d = positional_encoding_data(position=1, dimension=1, d_model=d_model, max_len=10)
    assert d["table"].shape == (10, d_model) and d["row"].shape == (d_model,)
    view = positional_encoding_view(position=1, dimension=1, d_model=d_model)
    drawn = np.asarray(view.figure.axes[0].images[0].get_array())
    assert drawn.shape == (10, d_model)
    np.testing.assert_array_equal(drawn, d["table"])
    assert f"table shape 10 x {d_model}" in view.text


@pytest.mark.parametrize(("position", "d_model"), [(0, 6), (1, 6), (2, 6), (7, 16), (9, 64)])
def test_chosen_row_is_the_formula(position, d_model):
    d = positional_encoding_data(position=position, dimension=0, d_model=d_model)
    np.testing.assert_allclose(d["row"], paper_formula(position, d_model), atol=1e-12)
    text = positional_encoding_view(position=position, dimension=0, d_model=d_model).text
    assert " ".join(f"{v:7.4f}" for v in np.round(paper_formula(position, d_model)[:8], 4) + 0.0) in text


@pytest.mark.parametrize("dimension", range(6))
def test_chosen_cell_and_its_wave(dimension):
    d = positional_encoding_data(position=2, dimension=dimension, d_model=6)
    assert d["i"] == dimension // 2 and d["function"] == ("sin" if dimension % 2 == 0 else "cos")
    assert d["value"] == pytest.approx(paper_formula(2, 6)[dimension], abs=1e-12)
    assert d["angle"] == pytest.approx(2 / 10000 ** (2 * (dimension // 2) / 6))
    # The smooth curve passes through the table's integer positions.
    at_integers = np.interp(np.arange(10), d["curve_positions"], d["curve"])
    np.testing.assert_allclose(at_integers, d["column"], atol=0.02)
    np.testing.assert_array_equal(d["long_column"][:10], d["column"])
    text = positional_encoding_view(position=2, dimension=dimension, d_model=6).text
    assert f"PE[2, {dimension}] = {d['function']}({d['angle']:.4f}) = {d['value']:.4f}" in text


def test_changing_position_changes_the_row_and_nothing_else():
    a, b = positional_encoding_data(position=1), positional_encoding_data(position=2)
    np.testing.assert_array_equal(a["table"], b["table"])
    assert not np.allclose(a["row"], b["row"])


def test_bad_settings_are_refused():
    with pytest.raises(ValueError, match="dimension"):
        positional_encoding_data(dimension=6, d_model=6)
    with pytest.raises(ValueError, match="position"):
        positional_encoding_data(position=10, max_len=10)
    with pytest.raises(ValueError, match="d_model"):
        positional_encoding_data(d_model=1, dimension=0)


def test_explorer_follows_d_model():
    box = positional_encoding_explorer()
    d_model, position, dimension = box.children[1].children
    assert (d_model.description, position.description, dimension.description) == ("d_model", "position", "dimension")
    before = box.image.value
    dimension.value = 5
    d_model.value = 64
    assert dimension.max == 63 and "table shape 10 x 64" in box.numbers.value and box.image.value != before
    dimension.value = 40
    d_model.value = 4
    assert dimension.max == 3 and dimension.value == 3
    assert "table shape 10 x 4" in box.numbers.value and "PE[pos, 3] = cos" in box.numbers.value
    position.value = 0
    assert "PE[0, 3] = cos(0.0000) = 1.0000" in box.numbers.value


@pytest.mark.parametrize(("d_model", "laid_out_as"), [(2, 16), (6, 16), (16, 16), (18, 64), (40, 64), (64, 64)])
def test_tables_of_one_kind_share_a_layout(d_model, laid_out_as):
    assert pe_cell_layout(10, d_model) == laid_out_as
    assert pe_cell_layout(20, d_model) == 64  # too many positions for numbers in the cells: one kind


def test_a_table_of_the_other_kind_is_refused():
    figure = positional_encoding_layout(16)
    d = positional_encoding_data(position=1, dimension=2, d_model=24)
    with pytest.raises(ValueError, match="shown by|written in"):
        update_pe_cell(figure, d["table"], 1, 2, d["curve_positions"], d["curve"], d["long_column"], formula="f")
