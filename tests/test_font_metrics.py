"""Remembered line heights: figures drawn with them are the same pixels as figures drawn by
matplotlib's own measurement, and a change of the font settings is not answered from memory."""

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties

import transformer_lib.figures  # noqa: F401  (sets up the fonts and the remembered line heights)
from transformer_lib.figures.font_metrics import font_height_metrics


def _png_of_varied_text(dpi: float) -> bytes:
    """Texts of several sizes, weights, families and alignments, multi-line, rotated and in
    Hangul, placed by the tight bounding box (every text measured more than once)."""
    fig, ax = plt.subplots(figsize=(4, 3), dpi=dpi)
    ax.set_title("세 단어 I love cats (3 x 3)", fontsize=10)
    ax.text(0.1, 0.8, "0.53\n-1.20", fontsize=9, va="center")
    ax.text(0.5, 0.5, "bold 굵게", fontsize=11, fontweight="bold", rotation=30)
    ax.text(0.7, 0.2, "mono", family="monospace", fontsize=8, ha="right")
    ax.set_xlabel("sentence length n (tokens)")
    ax.set_xticks([0, 0.5, 1], labels=["나는", "고양이를", "좋아해"], rotation=45, ha="right")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


@pytest.mark.parametrize("dpi", [72, 100, 150])
def test_same_pixels_as_matplotlibs_own_measurement(dpi, monkeypatch):
    remembered = _png_of_varied_text(dpi)
    monkeypatch.delattr(RendererAgg, "_get_font_height_metrics")  # matplotlib measures as it would without us
    assert _png_of_varied_text(dpi) == remembered


def test_a_change_of_font_settings_is_measured_again():
    generic = FontProperties(family="sans-serif", size=12)
    with mpl.rc_context({"font.sans-serif": ["DejaVu Sans"]}):
        dejavu = font_height_metrics(generic, 100)
    with mpl.rc_context({"font.sans-serif": ["Noto Sans KR"]}):
        noto = font_height_metrics(generic, 100)
    assert dejavu != noto
    assert font_height_metrics(FontProperties(family="DejaVu Sans", size=12), 100) == dejavu
    assert font_height_metrics(FontProperties(family="Noto Sans KR", size=12), 100) == noto
    larger = font_height_metrics(FontProperties(family="DejaVu Sans", size=24), 100)
    assert larger == pytest.approx(tuple(2 * m for m in dejavu))
    assert font_height_metrics(FontProperties(family="DejaVu Sans", size=12), 200) == pytest.approx(larger)
