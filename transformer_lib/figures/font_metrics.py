"""Line heights of text measured once per font instead of once per measurement.

Before matplotlib places a text it needs the height of a line of its font: the ascent, the
descent and the gap between lines that the font file records. Matplotlib 3.11 looks this up
again at every measurement of every text (several per text and figure: layout, tight bounding
box, drawing), finding the font files for each family of ``rcParams["font.family"]`` and reading
two tables of the first file, although the answer depends only on the font properties, the
resolution and the font settings. This module remembers the answer, and gives it to matplotlib
through the hook its text layout asks a renderer for first (``_get_font_height_metrics``, the one
matplotlib's PDF and PostScript renderers answer), set on the Agg renderer, which draws every
figure of the package. The numbers are the ones matplotlib would compute (same lookups, same
formula), so the figures do not change by a pixel; a measurement takes about 95 microseconds
instead of 250. With another renderer, or should matplotlib stop asking, text is measured as
before."""

from __future__ import annotations

import matplotlib as mpl
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties, font_family_aliases, fontManager, get_font

# Where a font records its line metrics, in the order matplotlib reads them:
# (table, line gap, ascent, descent).
_METRIC_TABLES = (("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
                  ("hhea", "lineGap", "ascent", "descent"))

_remembered: dict[tuple, tuple[float | None, float | None, float | None]] = {}


def font_height_metrics(prop: FontProperties, dpi: float) -> tuple[float | None, float | None, float | None]:
    """(ascent, descent, line gap) in pixels at `dpi` of the first font `prop` resolves to, as
    matplotlib's text layout computes them, or (None, None, None) if the font records none
    (matplotlib then measures a sample string instead). Remembered per font properties,
    resolution, set of known fonts and, for a generic family such as "sans-serif", the fonts
    the settings list for it (what matplotlib's font search reads besides the properties)."""
    families = tuple(prop.get_family())
    key = (families, prop.get_style(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
           prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily(), dpi,
           _generic_family_fonts(families), len(fontManager.ttflist))
    metrics = _remembered.get(key)
    if metrics is None:
        metrics = _remembered[key] = _read_metrics(prop, dpi)
    return metrics


def _generic_family_fonts(families: tuple[str, ...]) -> tuple[tuple[str, ...], ...]:
    """The fonts ``rcParams`` lists for each generic family among `families`, in their order."""
    generic = [family.lower() for family in families if family.lower() in font_family_aliases]
    return tuple(tuple(mpl.rcParams["font." + ("sans-serif" if family in ("sans", "sans serif") else family)])
                 for family in generic)


def _read_metrics(prop: FontProperties, dpi: float) -> tuple[float | None, float | None, float | None]:
    font = get_font(fontManager._find_fonts_by_props(prop))
    for table_name, gap, ascent, descent in _METRIC_TABLES:
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, None


def _agg_font_height_metrics(renderer: RendererAgg, prop: FontProperties):
    return font_height_metrics(prop, renderer.dpi)


def remember_font_metrics() -> None:
    """Let the Agg renderer answer text layout's line-height question from `font_height_metrics`
    (once; calling it again changes nothing)."""
    if not hasattr(RendererAgg, "_get_font_height_metrics"):
        RendererAgg._get_font_height_metrics = _agg_font_height_metrics
