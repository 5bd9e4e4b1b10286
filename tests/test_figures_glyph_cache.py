"""Text drawn through the remembered glyphs (`remember_text`) is pixel for pixel the text
matplotlib draws: any size, weight, colour, rotation and place within a pixel, drawn first and
drawn again; and where the private text API it reads is missing, or answers otherwise than
matplotlib 3.11's, text is drawn as usual."""

import types

import matplotlib.pyplot as plt
import numpy as np
import pytest

from transformer_lib.figures import glyph_cache
from transformer_lib.figures.fonts import use_korean_font
from transformer_lib.figures.glyph_cache import glyph_cache_available, remember_text
from transformer_lib.widgets.base import canvas_png, laid_out, redrawn_png


def many_texts(seed: int):
    """A figure of 120 texts (digits, Latin letters, Hangul from the fallback font) of random
    size, weight, colour, rotation and position."""
    use_korean_font()
    figure = plt.figure(figsize=(6, 4))
    rng = np.random.default_rng(seed)
    for _ in range(120):
        figure.text(rng.uniform(0, 0.85), rng.uniform(0, 0.95), f"{rng.normal():.3f} Wy -inf 고양이를",
                    fontsize=rng.uniform(6, 14), rotation=rng.choice([0, 0, 45, 90, 13.3]),
                    color=rng.uniform(0, 1, 3), fontweight=rng.choice(["normal", "bold"]))
    return figure


def drawn(figure) -> np.ndarray:
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).astype(int)


@pytest.mark.skipif(not glyph_cache_available(), reason="this matplotlib has no per-glyph text API")
def test_remembered_glyphs_paint_what_matplotlib_paints():
    expected = drawn(many_texts(0))
    figure = many_texts(0)
    figure.canvas.draw()
    assert remember_text(figure.canvas.get_renderer())
    assert np.array_equal(drawn(figure), expected)  # glyphs shaped and rendered, then remembered
    assert np.array_equal(drawn(figure), expected)  # every glyph from memory
    for text in figure.texts:
        text.set_x(text.get_position()[0] + 0.0137)  # the same glyphs at other places within a pixel
    moved = many_texts(0)
    for text in moved.texts:
        text.set_x(text.get_position()[0] + 0.0137)
    assert np.array_equal(drawn(figure), drawn(moved))
    plt.close("all")


def test_without_the_private_text_api_the_renderer_draws_as_usual(monkeypatch):
    monkeypatch.setattr(glyph_cache, "RenderMode", None)
    figure = many_texts(1)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert not remember_text(renderer)
    assert "draw_text" not in vars(renderer)
    live = laid_out(many_texts(2))
    redrawn_png(live)
    live.texts[0].set_text("changed")
    assert redrawn_png(live) == canvas_png(live)  # the live path without it draws what a full draw does
    plt.close("all")


@pytest.mark.skipif(not glyph_cache_available(), reason="this matplotlib has no per-glyph text API")
def test_a_private_text_api_that_answers_otherwise_gives_way_to_the_usual_drawing(monkeypatch):
    expected = drawn(many_texts(3))
    monkeypatch.setattr(glyph_cache, "_GLYPHS", {})       # nothing remembered: every glyph asks the API
    monkeypatch.setattr(glyph_cache, "_REFUSED", [])
    monkeypatch.setattr(glyph_cache, "RenderMode", types.SimpleNamespace())  # a render mode it lacks
    figure = many_texts(3)
    figure.canvas.draw()
    assert remember_text(figure.canvas.get_renderer())
    assert np.array_equal(drawn(figure), expected)       # the first glyph fails; every text drawn as usual
    assert glyph_cache._REFUSED and "AttributeError" in glyph_cache._REFUSED[0]
    assert not glyph_cache_available() and not remember_text(many_texts(4).canvas.get_renderer())
    plt.close("all")

