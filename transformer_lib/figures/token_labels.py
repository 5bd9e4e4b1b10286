"""How the figures write token names. The running example's Korean words are printed romanised
(``naneun``, ``goyangireul``, ``joahae``, ``gaereul``: text a reader can type); the figures draw
them in Hangul, which is what the words are."""

from __future__ import annotations

import re
from collections.abc import Sequence

HANGUL: dict[str, str] = {
    "naneun": "나는",        # I (subject)
    "goyangireul": "고양이를",  # cats (object)
    "joahae": "좋아해",       # love
    "gaereul": "개를",        # dogs (object)
    # the rest of the trained running example's language (lessons/translation.py)
    "neoneun": "너는", "urineun": "우리는", "goyangiga": "고양이가", "gaega": "개가", "saega": "새가",
    "saereul": "새를", "mulgogireul": "물고기를", "ppangeul": "빵을", "uyureul": "우유를",
    "bwa": "봐", "sireohae": "싫어해", "wonhae": "원해", "chaja": "찾아", "geuryeo": "그려",
}
_ROMANISED = re.compile(r"\b(" + "|".join(HANGUL) + r")\b")


def drawn_label(label) -> str:
    """`label` with every romanised Korean token written in Hangul (other text unchanged)."""
    return _ROMANISED.sub(lambda match: HANGUL[match.group(0)], str(label))


def drawn_labels(labels: Sequence | None) -> list[str] | None:
    """`drawn_label` of each label; None stays None."""
    return None if labels is None else [drawn_label(label) for label in labels]


def widest_label(labels: Sequence, fontsize: float = 10) -> str:
    """The label of `labels` widest when drawn (`drawn_label`, at `fontsize` points): a figure
    laid out for it holds any of them. Returned as given (romanised)."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.font_manager import FontProperties

    renderer, font = RendererAgg(1, 1, 100), FontProperties(size=fontsize)
    return max(labels, key=lambda label: renderer.get_text_width_height_descent(drawn_label(label), font, ismath=False)[0])
