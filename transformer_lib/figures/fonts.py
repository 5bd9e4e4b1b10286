"""Hangul in every figure. The package registers Noto Sans KR (SIL Open Font License 1.1, shipped
by the ``pylopdf-fonts-ko`` package, so it is the same file on every platform) with matplotlib and
puts it after the default font: Latin text and numbers look as before, and any character the
default font lacks, Hangul among them, is drawn from Noto Sans KR. It comes in one weight: bold
Hangul is drawn in the regular weight."""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

KOREAN_FONT = "Noto Sans KR"


def korean_font_path() -> Path:
    """The Noto Sans KR file (OpenType) installed with the package's dependencies."""
    from pylopdf_fonts_ko import sans_path

    return Path(sans_path())


class _OneWeightNote(logging.Filter):
    """Drops matplotlib's log line that bold text found no bold Noto Sans KR (there is one weight),
    which would otherwise appear under every notebook cell that draws bold text."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (str(record.msg).startswith("findfont: Failed to find font weight") and KOREAN_FONT in record.args)


def use_korean_font() -> None:
    """Register Noto Sans KR with matplotlib (once) and append it to ``rcParams["font.family"]``
    as the fallback for characters the fonts before it lack. Calling it again changes nothing."""
    if KOREAN_FONT not in {entry.name for entry in font_manager.fontManager.ttflist}:
        font_manager.fontManager.addfont(str(korean_font_path()))
        logging.getLogger(font_manager.__name__).addFilter(_OneWeightNote())
    families = list(mpl.rcParams["font.family"])
    if KOREAN_FONT not in families:
        mpl.rcParams["font.family"] = [*families, KOREAN_FONT]
