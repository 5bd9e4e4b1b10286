"""The overview's drawings: the architecture diagram carries every box with its notebook number,
and the attention pictures draw one line per (query, key) pair, wider for a larger weight."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from transformer_lib.figures.architecture import KINDS, architecture_boxes, architecture_figure
from transformer_lib.figures.attention_kinds import attention_kinds_figure


def test_architecture_has_every_box_with_its_notebook():
    fig = architecture_figure()
    texts = [t.get_text() for t in fig.axes[0].texts]
    labels = [b.label for b in architecture_boxes()]
    for label in ["Input embedding", "Output embedding", "Multi-head attention", "Masked multi-head attention",
                  "Cross-attention (enc-dec)", "Feed-forward", "Linear", "Softmax"]:
        assert label in texts and label in labels
    assert texts.count("Add & Norm") == 5 and texts.count("Positional encoding (+)") == 2
    assert any("N x encoder layer" in t for t in texts) and any("N x decoder layer" in t for t in texts)
    for kind, (_, notebooks) in KINDS.items():
        assert f"[{notebooks}]" in texts, kind
    plt.close(fig)


def test_highlight_thickens_only_its_boxes():
    fig = architecture_figure(highlight="norm")
    widths = [p.get_linewidth() for p in fig.axes[0].patches if hasattr(p, "get_boxstyle")]
    assert sum(w == 3.0 for w in widths) == 5
    plt.close(fig)
    with pytest.raises(ValueError, match="highlight"):
        architecture_figure(highlight="decoder")


def test_attention_lines_follow_the_weights():
    cross = np.array([[0.8, 0.2], [0.1, 0.9], [0.5, 0.5]])
    own = np.array([[1.0, 0.0], [0.3, 0.7]])
    fig = attention_kinds_figure(["a", "b"], ["x", "y", "z"], cross, own)
    left, right = fig.axes
    assert len(left.get_lines()) == 6 and len(right.get_lines()) == 4
    widths = [line.get_linewidth() for line in left.get_lines()]
    np.testing.assert_allclose(widths, 0.5 + 6 * cross.ravel())
    plt.close(fig)
