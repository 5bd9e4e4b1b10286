"""Korean tokens are drawn in Hangul, from the font the package sets up, with no glyph missing.

Every test of the suite turns matplotlib's missing-glyph warning into an error (pyproject.toml,
``filterwarnings``); these tests draw Hangul on purpose and show that the check can fail."""

import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib import font_manager

from transformer_lib.figures.attention_kinds import attention_kinds_figure
from transformer_lib.figures.fonts import KOREAN_FONT, korean_font_path
from transformer_lib.figures.probability_bars import probability_bars_figure
from transformer_lib.figures.token_labels import HANGUL, drawn_label
from transformer_lib.widgets.cross_attention import cross_attention_view


def test_the_korean_font_is_the_fallback_after_the_default_font():
    assert mpl.rcParams["font.family"][-1] == KOREAN_FONT
    found = font_manager.fontManager.findfont(font_manager.FontProperties(family=KOREAN_FONT), fallback_to_default=False)
    assert found == str(korean_font_path())
    assert font_manager.FontProperties(fname=found).get_name() == KOREAN_FONT


def test_a_hangul_label_draws_with_every_glyph():
    fig, ax = plt.subplots()
    ax.set_title(" ".join(HANGUL.values()) + " -1.5")  # Hangul beside Latin letters and a minus sign
    fig.canvas.draw()  # a missing glyph warns here, and the warning is an error


def test_the_missing_glyph_check_can_fail():
    fig, ax = plt.subplots()
    ax.set_title("\N{EGYPTIAN HIEROGLYPH A001}")  # in neither DejaVu Sans nor Noto Sans KR
    with pytest.raises(UserWarning, match="missing from font"):
        fig.canvas.draw()


def test_korean_tokens_are_drawn_in_hangul_and_other_labels_unchanged():
    typed = ["naneun", "goyangireul", "joahae", "gaereul"]
    assert [drawn_label(name) for name in typed] == ["나는", "고양이를", "좋아해", "개를"]
    assert drawn_label("<bos>") == "<bos>" and drawn_label("love") == "love" and drawn_label(3) == "3"
    assert drawn_label("pos 1 naneun") == "pos 1 나는" and drawn_label("naneuns") == "naneuns"


def test_the_package_figures_draw_the_running_example_in_hangul():
    view = cross_attention_view(weights="trained")
    fig = view.figure
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["<bos> -> 나는", "나는 -> 고양이를", "고양이를 -> 좋아해"]
    assert "predicted: naneun goyangireul joahae" in view.text  # printed text keeps the typed names
    fig.canvas.draw()

    vocab = ["naneun", "<pad>", "joahae"]
    bars = probability_bars_figure([dict(values=np.array([0.2, 0.1, 0.7]), highlight=2)], vocab)
    assert [t.get_text() for t in bars.axes[0].get_xticklabels()] == ["나는", "<pad>", "좋아해"]
    bars.canvas.draw()  # the answer's label is bold: drawn in the one weight the font has

    lines = attention_kinds_figure(["I", "love"], ["<bos>", "naneun"], np.full((2, 2), 0.5), np.full((2, 2), 0.5))
    assert "나는" in [t.get_text() for t in lines.axes[0].texts]
    lines.canvas.draw()


def test_bold_hangul_logs_nothing_under_a_notebook_cell():
    """A fresh process (matplotlib caches font look-ups): bold Hangul text prints nothing on
    stderr, which nbval would compare."""
    code = ("import matplotlib; matplotlib.use('Agg'); import transformer_lib.figures; import matplotlib.pyplot as plt\n"
            "fig, ax = plt.subplots(); ax.set_title('좋아해', fontweight='bold'); fig.canvas.draw()")
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, check=True)
    assert result.stderr == ""
