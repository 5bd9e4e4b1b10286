"""Each font looked up once. Matplotlib 3.11's Agg renderer finds the font of a text again for
every text it measures or draws, through every family of ``font.family`` (two with the Hangul
fallback of `fonts`), and its text layout reads the font's line heights from the font's tables
again each time: about a tenth of the time of a figure of annotated matrices.

`look_up_fonts_once()` gives the Agg renderer a `_prepare_font` that finds the font of each
font properties once (per font settings and thread, as matplotlib keys its own font objects),
and the `_get_font_height_metrics` its text layout asks for before reading the tables itself,
which reads them once per font properties and resolution. Both give what matplotlib computes,
the same numbers from the same tables. A renderer's resolution is its figure's, as the text
layout assumes when it reads the tables."""

from __future__ import annotations

import threading

import matplotlib as mpl
from matplotlib.backends import backend_agg

_MATPLOTLIBS_OWN = {"_prepare_font": backend_agg.RendererAgg._prepare_font}
_FONTS: dict = {}    # (font properties, font settings, thread) -> FT2Font
_HEIGHTS: dict = {}  # (font properties, font settings, dpi) -> (ascent, descent, line gap) in pixels
_FONT_SETTINGS = ("font.serif", "font.sans-serif", "font.cursive", "font.fantasy", "font.monospace",
                  "text.kerning_factor", "font.enable_last_resort")


def look_up_fonts_once() -> None:
    """Give `RendererAgg` the font look-ups below (calling it again changes nothing)."""
    backend_agg.RendererAgg._prepare_font = _prepare_font
    backend_agg.RendererAgg._get_font_height_metrics = _get_font_height_metrics


def look_up_fonts_every_time() -> None:
    """Give `RendererAgg` back matplotlib's own look-ups."""
    backend_agg.RendererAgg._prepare_font = _MATPLOTLIBS_OWN["_prepare_font"]
    if "_get_font_height_metrics" in vars(backend_agg.RendererAgg):
        del backend_agg.RendererAgg._get_font_height_metrics


def _setting(name: str):
    """rcParams[name], read without the checks of `RcParams.__getitem__` (a quarter of the time):
    a font is looked up for every text measured or drawn."""
    read = getattr(mpl.rcParams, "_get", None)  # matplotlib's own unchecked read, where it has one
    return read(name) if read is not None else mpl.rcParams[name]


def _found_font(prop):
    """The FT2Font matplotlib's `get_font` gives for `prop` (fonts of its families in order),
    looked up once per properties and font settings in this thread."""
    settings = tuple(tuple(value) if isinstance(value, list) else value
                     for value in map(_setting, _FONT_SETTINGS))
    key = (tuple(prop.__dict__.values()), settings, threading.get_ident())  # what FontProperties hashes
    font = _FONTS.get(key)
    if font is None:
        font = _FONTS[key] = backend_agg.get_font(backend_agg._fontManager._find_fonts_by_props(prop))
    return font, key


def _prepare_font(self, prop):
    """`RendererAgg._prepare_font`: the font of `prop`, its buffer cleared, set to its size."""
    font, _ = _found_font(prop)
    font._set_transform([[0x10000, 0], [0, 0x10000]], [0, 0])  # as `get_font` leaves it
    font.clear()
    font.set_size(prop.get_size_in_points(), self.dpi)
    return font


def _get_font_height_metrics(self, prop):
    """(ascent, descent, line gap) in pixels of the font of `prop` at this renderer's dpi, from
    the font's tables as matplotlib's `Text._get_layout` reads them; (None, None, None) when
    the font has neither table (matplotlib then measures a sample text instead)."""
    font, font_key = _found_font(prop)
    key = (font_key[:2], self.dpi)
    heights = _HEIGHTS.get(key)
    if heights is None:
        heights = (None, None, None)
        for table_name, gap, ascent, descent in (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                                                 ("hhea", "lineGap", "ascent", "descent")):
            table = font.get_sfnt_table(table_name)
            if table is not None:
                scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * self.dpi / 72
                heights = (table[ascent] * scale, -table[descent] * scale, table[gap] * scale)
                break
        _HEIGHTS[key] = heights
    return heights
