"""Text drawn again without shaping and rasterising it again: a live figure paints the same
labels and digits at every change, the chapters' figures the same digits, token names and titles
over and over, and Agg's text drawing (matplotlib 3.11 and later) spends most of its time laying
out each string into glyphs and rendering each glyph with FreeType. Every figure the package
draws to PNG (`png.drawn_at`) draws its texts through it.

`remember_text(renderer)` gives one Agg renderer a `draw_text` that keeps both results: the
glyphs of each string (per font, size and resolution), and each glyph's bitmap per font, size,
rotation and position within its pixel (1/64 px, as FreeType places it). A glyph placed a whole
number of pixels further is the same bitmap moved by that many pixels, so the pixels are exactly
those matplotlib's own `draw_text` paints. It reads matplotlib's private text API
(``FT2Font._layout``, ``_set_transform``, ``_render_glyph``); with another matplotlib, where these
are missing, the renderer is left as it is and draws text in the usual way."""

from __future__ import annotations

import math
import types

import numpy as np
from matplotlib.backends import backend_agg
from matplotlib.ft2font import FT2Font

try:
    from matplotlib.ft2font import RenderMode
except ImportError:  # matplotlib before 3.11: its text engine has no per-glyph rendering
    RenderMode = None

MAX_STRINGS = 4096   # laid-out strings kept (a live figure shows a few hundred)
MAX_GLYPHS = 32768   # glyph bitmaps kept (each a few hundred bytes)


_REFUSED: list[str] = []  # why the private text API failed here, once it has: text is then drawn as usual


def glyph_cache_available() -> bool:
    """Whether this matplotlib draws Agg text glyph by glyph as `remember_text` assumes."""
    return (not _REFUSED and RenderMode is not None and all(hasattr(FT2Font, name) for name in ("_layout", "_set_transform",
                                                                              "_render_glyph"))
            and hasattr(backend_agg.RendererAgg, "_draw_text_glyphs_and_boxes"))


def remember_text(renderer) -> bool:
    """Give `renderer` (a `RendererAgg`) the remembering `draw_text`, once; returns whether it has it."""
    if "draw_text" in vars(renderer):
        return True
    if not glyph_cache_available():
        return False
    renderer.draw_text = types.MethodType(_draw_text, renderer)
    return True


_STRINGS: dict = {}  # (font, size, dpi, string, flags, features, language) -> (font, [(glyph font, index, x, y)])
_GLYPHS: dict = {}   # (glyph font, size, dpi, index, matrix, x % 64, y % 64, flags, antialiased) -> bitmap


def _draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
    """`RendererAgg.draw_text` of matplotlib 3.11, with the glyphs and bitmaps remembered. If the
    private text API it reads answers differently (another matplotlib whose functions have the
    same names but not the same arguments), it stops remembering for good, in every renderer,
    and this text and all later ones are drawn by matplotlib's own `draw_text`."""
    if ismath:
        return self.draw_mathtext(gc, x, y, s, prop, angle)
    if not _REFUSED:
        try:
            return _draw_remembered(self, gc, x, y, s, prop, angle, mtext)
        except (TypeError, AttributeError) as error:  # raised before any glyph is painted
            _REFUSED.append(f"{type(error).__name__}: {error}")
    return backend_agg.RendererAgg.draw_text(self, gc, x, y, s, prop, angle, ismath, mtext)


def _draw_remembered(self, gc, x, y, s, prop, angle, mtext) -> None:
    """Every glyph of `s` found or rendered first, then all painted: a failing call of the
    private API leaves the canvas untouched."""
    font = self._prepare_font(prop)
    flags = backend_agg.get_hinting_flag()
    features = mtext.get_fontfeatures() if mtext is not None else None
    language = mtext.get_language() if mtext is not None else None
    size = prop.get_size_in_points()
    key = (id(font), size, self.dpi, s, flags, repr(features), repr(language))
    laid = _STRINGS.get(key)
    if laid is None or laid[0] is not font:
        if len(_STRINGS) >= MAX_STRINGS:
            _STRINGS.clear()
        items = font._layout(s, flags=flags, features=features, language=language)
        laid = _STRINGS[key] = (font, [(item.ft_object, item.glyph_index, item.x, item.y) for item in items])
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    matrix = (0x10000 * np.array([[cos, -sin], [sin, cos]])).round().astype(int)
    rotation = tuple(matrix.ravel().tolist())
    antialiased = gc.get_antialiased()
    placed = []  # (bitmap, left, top) of each glyph in canvas pixels, FreeType's y upwards
    for glyph_font, index, dx, dy in laid[1]:  # dy is upwards
        # FreeType's origin in 1/64 pixel, its y upwards, as `_draw_text_glyphs_and_boxes` places it.
        at_x = round(0x40 * (x + dx * cos - dy * sin))
        at_y = round(0x40 * (self.height - y + dx * sin + dy * cos))
        glyph_key = (id(glyph_font), size, self.dpi, index, rotation, at_x % 64, at_y % 64, flags, antialiased)
        glyph = _GLYPHS.get(glyph_key)
        if glyph is None or glyph[0] is not glyph_font:
            if len(_GLYPHS) >= MAX_GLYPHS:
                _GLYPHS.clear()
            glyph_font.set_size(size, self.dpi)
            glyph_font._set_transform(matrix, [at_x, at_y])
            bitmap = glyph_font._render_glyph(index, flags, RenderMode.NORMAL if antialiased else RenderMode.MONO)
            buffer = bitmap.buffer.copy()
            if not antialiased:
                buffer *= 0xff
            glyph = _GLYPHS[glyph_key] = (glyph_font, buffer, bitmap.left - at_x // 64, bitmap.top - at_y // 64)
        _, buffer, left, top = glyph
        placed.append((buffer, left + at_x // 64, top + at_y // 64))
    for buffer, left, top in placed:  # draw_text_image's y is downwards and at the bitmap's bottom side
        self._renderer.draw_text_image(buffer, left, int(self.height) - top + buffer.shape[0], 0, gc)
