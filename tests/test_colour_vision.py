"""The figures stay readable with the common colour-vision deficiencies.

Each colour is passed through the simulation of Machado, Oliveira and Fernandes (2009, severity
1: protanopia, deuteranopia, tritanopia) and compared in CIELAB. A colour map drawn with its
numbers must keep its lightness order (sequential maps: monotonic; diverging maps: each half
monotonic towards the light centre, the two ends far apart); colours told apart in one figure
must stay apart."""

import re
from pathlib import Path

import matplotlib as mpl
import nbformat
import numpy as np
import pytest
from matplotlib.colors import to_rgb

from transformer_lib.figures import path_length, probability_bars
from transformer_lib.figures.palette import LINE_COLOURS

ROOT = Path(__file__).resolve().parent.parent
SIMULATIONS = {  # linear RGB -> linear RGB (Machado et al. 2009, Table 1, severity 1.0)
    "normal vision": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
DIVERGING = {"RdBu_r", "RdBu"}
APART = 15.0  # CIELAB distance: colours this far apart are easy to tell apart side by side


def seen_as(colours, vision: str) -> np.ndarray:
    """CIELAB (D65) of sRGB `colours` (n,) as seen with `vision`: (n, 3) rows of L*, a*, b*."""
    srgb = np.array([to_rgb(c) for c in colours])
    linear = np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)
    linear = np.clip(linear @ SIMULATIONS[vision].T, 0, 1)
    xyz = linear @ np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]).T
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


def closest_pair(colours, vision: str) -> float:
    lab = seen_as(colours, vision)
    distances = np.linalg.norm(lab[:, None] - lab[None], axis=-1)
    return float(distances[np.triu_indices(len(colours), 1)].min())


def colour_maps_used() -> set[str]:
    """Every colour map named in the package's code and the chapters' code cells, and the
    heatmap's two defaults."""
    texts = [p.read_text() for p in (ROOT / "transformer_lib").rglob("*.py")]
    for path in (ROOT / "notebooks").rglob("*.ipynb"):
        texts += [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    named = re.compile(r"""(?:cmap\s*=\s*|get_cmap\(\s*|"cmap":\s*)["']([A-Za-z_0-9]+)["']""")
    names = {name for text in texts for name in named.findall(text)}
    return names | {"Blues", "RdBu_r"}


def test_the_colour_maps_found_are_the_ones_checked():
    assert colour_maps_used() == {"Blues", "Reds", "Greys", "RdBu_r", "viridis"}


@pytest.mark.parametrize("vision", SIMULATIONS)
@pytest.mark.parametrize("name", sorted(colour_maps_used()))
def test_colour_maps_keep_their_lightness_order(name, vision):
    lightness = seen_as(mpl.colormaps[name](np.linspace(0, 1, 65))[:, :3], vision)[:, 0]
    if name in DIVERGING:
        lower, upper = lightness[:33], lightness[32:]
        assert np.all(np.diff(lower) > 0) and np.all(np.diff(upper) < 0), "each half grows lighter towards the centre"
        assert closest_pair(mpl.colormaps[name]([0.0, 1.0]), vision) > 30, "negative and positive ends look alike"
    else:
        steps = np.diff(lightness)
        assert np.all(steps > 0) or np.all(steps < 0)
        assert abs(lightness[-1] - lightness[0]) > 50


@pytest.mark.parametrize("vision", SIMULATIONS)
def test_colours_told_apart_in_one_figure_stay_apart(vision):
    assert closest_pair(LINE_COLOURS[:6], vision) > APART
    assert closest_pair(list(path_length.COLOURS.values()), vision) > 2 * APART
    assert closest_pair([probability_bars.BAR_COLOR, probability_bars.ANSWER_COLOR], vision) > 2 * APART
    assert closest_pair(["C0", "C3"], vision) > 2 * APART  # the NumPy and PyTorch losses of chapter 12


def test_the_simulation_finds_the_confusion_it_is_for():
    """matplotlib's default colours: green beside orange and red, told apart with normal vision
    but not with protanopia or deuteranopia."""
    default = [mpl.colormaps["tab10"](i) for i in range(6)]
    assert closest_pair(default, "normal vision") > 2 * APART
    assert closest_pair(default, "protanopia") < APART and closest_pair(default, "deuteranopia") < APART
