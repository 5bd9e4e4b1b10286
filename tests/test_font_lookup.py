"""Fonts looked up once (`figures.font_lookup`) measure and paint every text as matplotlib's own
look-ups do: texts of one to three lines, any size, alignment and line spacing, Latin and
Hangul, at several resolutions; and a change of the font settings is followed."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from transformer_lib.figures import font_lookup
from transformer_lib.figures.fonts import use_korean_font


def lines_of_text(dpi: int):
    """A figure of 40 texts of one to three lines, of random size, alignment and line spacing."""
    use_korean_font()
    figure = plt.figure(figsize=(6, 4), dpi=dpi)
    rng = np.random.default_rng(dpi)
    for i in range(40):
        figure.text(rng.uniform(0, 0.85), rng.uniform(0.05, 0.9), "\n".join(["Wy 고양이", "-0.25", "lp"][:1 + i % 3]),
                    fontsize=rng.uniform(6, 14), va=rng.choice(["top", "center", "baseline", "bottom"]),
                    ha=rng.choice(["left", "center", "right"]), linespacing=rng.choice([1.0, 1.2, 2.0]),
                    fontweight=rng.choice(["normal", "bold"]))
    return figure


def measured_and_drawn(dpi: int):
    figure = lines_of_text(dpi)
    figure.canvas.draw()
    boxes = [text.get_window_extent().extents for text in figure.texts]
    pixels = np.asarray(figure.canvas.buffer_rgba()).copy()
    plt.close(figure)
    return boxes, pixels


@pytest.fixture
def matplotlibs_own_look_ups():
    font_lookup.look_up_fonts_every_time()
    yield
    font_lookup.look_up_fonts_once()


@pytest.mark.parametrize("dpi", [72, 100, 150])
def test_fonts_looked_up_once_measure_and_paint_as_matplotlib(dpi, matplotlibs_own_look_ups):
    expected_boxes, expected_pixels = measured_and_drawn(dpi)
    font_lookup.look_up_fonts_once()
    figure = lines_of_text(dpi)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert renderer._get_font_height_metrics(figure.texts[0].get_fontproperties())[0] > 0  # read from the tables
    plt.close(figure)
    boxes, pixels = measured_and_drawn(dpi)
    assert np.array_equal(boxes, expected_boxes)
    assert np.array_equal(pixels, expected_pixels)


def test_matplotlibs_own_look_ups_come_back(matplotlibs_own_look_ups):
    from matplotlib.backends.backend_agg import RendererAgg

    assert not hasattr(RendererAgg, "_get_font_height_metrics")
    assert RendererAgg._prepare_font is not font_lookup._prepare_font


def test_a_font_found_once_follows_a_change_of_the_font_settings():
    figure = plt.figure(figsize=(2, 1))
    figure.text(0.1, 0.5, "Wy", fontsize=12, family="monospace")
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    prop = figure.texts[0].get_fontproperties()
    with plt.rc_context({"font.monospace": ["DejaVu Sans Mono"]}):
        mono = renderer._prepare_font(prop).family_name
    with plt.rc_context({"font.monospace": ["DejaVu Serif"]}):  # a family name that is not monospace at all
        assert renderer._prepare_font(prop).family_name == "DejaVu Serif" != mono
    plt.close("all")
