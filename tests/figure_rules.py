"""The rules every figure of the book keeps, as a reader sees it in the notebook column: at most
1000 px wide as stored (100 dpi, cropped tight) and no visible text smaller than 8 pt."""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text

STORED_DPI = 100
MAX_WIDTH_PX = 1000
MIN_FONT_PT = 8.0


def figure_problems(figure: Figure) -> list[str]:
    """What breaks the rules in `figure`, one line each (empty when it keeps them)."""
    figure.canvas.draw()
    width = figure.get_tightbbox(figure.canvas.get_renderer()).width * STORED_DPI
    problems = [f"{width:.0f} px wide (at most {MAX_WIDTH_PX})"] if width > MAX_WIDTH_PX + 2 else []
    small = sorted({(round(text.get_fontsize(), 1), text.get_text()) for text in figure.findobj(Text)
                    if text.get_visible() and text.get_text().strip() and text.get_fontsize() < MIN_FONT_PT})
    if small:
        problems.append(f"text under {MIN_FONT_PT:g} pt: " + ", ".join(f"{t!r} {size} pt" for size, t in small[:5]))
    return problems
