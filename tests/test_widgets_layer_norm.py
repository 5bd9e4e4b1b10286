"""The layer-norm explorer: scaling or shifting one token changes its input row but not its
normalised row (up to the epsilon under the square root); other tokens do not move."""

import numpy as np
import pytest
from drawn import drawn_matrices

from transformer_lib.widgets.layer_norm import layer_norm_data, layer_norm_explorer, layer_norm_view

EPS = 1e-5  # LayerNorm's default, used by the explorer



def figure_panels(view):
    """The matrices drawn in the view's three panels: input, (mean, std), normalised."""
    return drawn_matrices(view.figure)


def eps_bound(row: np.ndarray, scale: float) -> float:
    """How far eps can move a normalised row when the row is scaled by `scale`.

    x_hat = (x - m) / sqrt(v + eps); after scaling by s it is (x - m) / sqrt(v + eps / s^2), so it
    changes by the factor sqrt((v + eps) / (v + eps / s^2)), which differs from 1 by at most
    eps |1 - 1/s^2| / (2 v)."""
    var = row.var()
    x_hat = (row - row.mean()) / np.sqrt(var + EPS)
    return float(np.abs(x_hat).max() * EPS * abs(1 - 1 / scale**2) / (2 * var)) * 1.01 + 1e-12


@pytest.mark.parametrize("token", [0, 1, 2])
@pytest.mark.parametrize("scale, shift", [(1.0, 3.0), (0.1, 0.0), (0.5, -5.0), (3.0, 2.5), (10.0, -1.25)])
def test_scaling_and_shifting_moves_the_input_but_not_the_normalised_row(token, scale, shift):
    base = figure_panels(layer_norm_view(token))
    changed = figure_panels(layer_norm_view(token, scale, shift))
    base_input, _, base_norm = base
    new_input, new_stats, new_norm = changed

    np.testing.assert_allclose(new_input[token], scale * base_input[token] + shift, atol=1e-12)
    assert not np.allclose(new_input[token], base_input[token])
    assert np.abs(new_norm[token] - base_norm[token]).max() <= eps_bound(base_input[token], scale)

    others = [i for i in range(3) if i != token]
    np.testing.assert_array_equal(new_input[others], base_input[others])
    np.testing.assert_array_equal(new_norm[others], base_norm[others])
    # The token's own mean and std do move: that is what absorbs the change.
    np.testing.assert_allclose(new_stats[token, 0], scale * base[1][token, 0] + shift, atol=1e-12)


def test_eps_is_visible_for_a_small_scale():
    """The tolerance above is not slack: shrinking a row 10 times moves its normalised values by
    an amount of the order eps / var, neither zero nor more than the bound."""
    d = layer_norm_data(0, 0.1, 0.0)
    moved = np.abs(d["normalized"][0] - d["original"][0]).max()
    row = layer_norm_data(0)["inputs"][0]
    assert 0.1 * eps_bound(row, 0.1) < moved <= eps_bound(row, 0.1)


def test_data_comes_from_the_layer_norm_trace():
    d = layer_norm_data(1, 2.0, 0.5)
    x = d["inputs"]
    np.testing.assert_allclose(d["mean"][:, 0], x.mean(axis=1), atol=1e-12)
    np.testing.assert_allclose(d["std"][:, 0], np.sqrt(x.var(axis=1) + EPS), atol=1e-12)
    np.testing.assert_allclose(d["normalized"], (x - d["mean"]) / d["std"], atol=1e-12)


def test_view_text_names_the_token_and_reports_the_change():
    view = layer_norm_view(2, 2.0, 1.0)
    assert "token 'cats'" in view.text
    assert "largest change of the normalised row: 0.0000" in view.text
    assert len(view.figure.axes) == 3
    view.png()  # closes the figure


def test_explorer_redraws_when_a_control_moves():
    box = layer_norm_explorer()
    before = box.numbers.value
    controls = box.children[1].children
    controls[1].value = 4.0  # the scale slider (log slider, so 4.0 is reachable only approximately)
    assert box.numbers.value != before
    assert box.image.value[:4] == b"\x89PNG"
