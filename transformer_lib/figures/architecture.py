"""The whole encoder-decoder Transformer as a labelled box diagram, after Figure 1 of the paper,
with the number of the notebook that explains each box."""

from __future__ import annotations

from dataclasses import dataclass

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

# Box kind -> (face colour, the notebooks that explain it).
KINDS = {
    "embedding": ("#fde0c5", "01"),
    "positional": ("#fff2ae", "02"),
    "attention": ("#fbb4ae", "03, 04"),
    "masked": ("#fbb4ae", "08"),
    "cross": ("#fbb4ae", "09"),
    "norm": ("#e5f5e0", "05"),
    "ffn": ("#b3cde3", "06"),
    "linear": ("#decbe4", "10"),
    "softmax": ("#decbe4", "10"),
}
WIDTH, HEIGHT = 3.4, 0.62


@dataclass(frozen=True)
class Box:
    """One box of the diagram: its label, kind (a key of `KINDS`) and centre."""

    label: str
    kind: str
    x: float
    y: float


def architecture_boxes() -> list[Box]:
    """Every box of the diagram, bottom to top: the encoder on the left (x = 2.5), the decoder
    on the right (x = 8)."""
    enc, dec = 2.5, 8.0
    return [
        Box("Input embedding", "embedding", enc, 1.2),
        Box("Positional encoding (+)", "positional", enc, 2.15),
        Box("Multi-head attention", "attention", enc, 3.5),
        Box("Add & Norm", "norm", enc, 4.4),
        Box("Feed-forward", "ffn", enc, 5.5),
        Box("Add & Norm", "norm", enc, 6.4),
        Box("Output embedding", "embedding", dec, 1.2),
        Box("Positional encoding (+)", "positional", dec, 2.15),
        Box("Masked multi-head attention", "masked", dec, 3.5),
        Box("Add & Norm", "norm", dec, 4.4),
        Box("Cross-attention (enc-dec)", "cross", dec, 5.5),
        Box("Add & Norm", "norm", dec, 6.4),
        Box("Feed-forward", "ffn", dec, 7.5),
        Box("Add & Norm", "norm", dec, 8.4),
        Box("Linear", "linear", dec, 9.6),
        Box("Softmax", "softmax", dec, 10.5),
    ]


def _arrow(ax, start, end, colour="#333333", style="-|>", connection="arc3", linewidth=1.3):
    ax.add_patch(FancyArrowPatch(start, end, arrowstyle=style, mutation_scale=12, color=colour,
                                 linewidth=linewidth, connectionstyle=connection, shrinkA=0, shrinkB=0))


def architecture_figure(highlight: str | None = None) -> Figure:
    """The architecture: embeddings + positional encoding, N x encoder layer (multi-head
    attention, add & norm, feed-forward, add & norm), N x decoder layer (masked multi-head
    attention, add & norm, cross-attention, add & norm, feed-forward, add & norm), linear and
    softmax. Each box carries the notebook numbers that explain it (the notebook map); the boxes
    of kind `highlight` (a key of `KINDS`) get a thick outline."""
    if highlight is not None and highlight not in KINDS:
        raise ValueError(f"highlight must be one of {sorted(KINDS)}, got {highlight!r}")
    boxes = architecture_boxes()
    fig, ax = plt.subplots(figsize=(9.0, 10.0))
    ax.set_xlim(-0.6, 11.0)
    ax.set_ylim(-0.3, 11.9)
    ax.axis("off")

    # The two stacks, repeated N times.
    for x, bottom, top, label, nb in [(2.5, 2.85, 7.0, "N x encoder layer", "07"),
                                      (8.0, 2.85, 9.0, "N x decoder layer", "08, 09")]:
        ax.add_patch(FancyBboxPatch((x - WIDTH / 2 - 0.35, bottom), WIDTH + 0.7, top - bottom,
                                    boxstyle="round,pad=0.05,rounding_size=0.2", facecolor="#f7f7f7",
                                    edgecolor="#737373", linewidth=1.2))
        side = x - WIDTH / 2 - 0.75 if x < 5 else x + WIDTH / 2 + 0.75
        ax.text(side, (bottom + top) / 2, f"{label}\n[{nb}]", rotation=90, ha="center", va="center", fontsize=9,
                color="#525252")

    for b in boxes:
        colour, nb = KINDS[b.kind]
        thick = highlight == b.kind
        ax.add_patch(FancyBboxPatch((b.x - WIDTH / 2, b.y - HEIGHT / 2), WIDTH, HEIGHT,
                                    boxstyle="round,pad=0.02,rounding_size=0.1", facecolor=colour,
                                    edgecolor="black" if thick else "#525252", linewidth=3.0 if thick else 1.0))
        ax.text(b.x - 0.2, b.y, b.label, ha="center", va="center", fontsize=9.5,
                fontweight="bold" if thick else "normal")
        ax.text(b.x + WIDTH / 2 - 0.08, b.y, f"[{nb}]", ha="right", va="center", fontsize=8.5, color="#08519c")

    # Main data path, bottom to top, in each stack.
    def up(x, y0, y1):
        _arrow(ax, (x, y0 + HEIGHT / 2), (x, y1 - HEIGHT / 2))

    for x, ys in [(2.5, [1.2, 2.15, 3.5, 4.4, 5.5, 6.4]), (8.0, [1.2, 2.15, 3.5, 4.4, 5.5, 6.4, 7.5, 8.4, 9.6, 10.5])]:
        for y0, y1 in zip(ys, ys[1:], strict=False):
            up(x, y0, y1)
    # Residual (skip) connections: from below each sublayer into its Add & Norm.
    for x, pairs in [(2.5, [(3.5, 4.4), (5.5, 6.4)]), (8.0, [(3.5, 4.4), (5.5, 6.4), (7.5, 8.4)])]:
        for sub, norm in pairs:
            left = x - WIDTH / 2 - 0.2
            y_from = sub - HEIGHT / 2 - 0.2
            ax.plot([x, left, left], [y_from, y_from, norm], color="#969696", linewidth=1.0)
            _arrow(ax, (left, norm), (x - WIDTH / 2, norm), colour="#969696", linewidth=1.0)
    # Inputs and outputs.
    ax.text(2.5, 0.2, "inputs: I love cats (5 8 9)", ha="center", va="center", fontsize=9.5)
    ax.text(8.0, 0.2, "outputs shifted right: <bos> 나는 고양이를 (2 0 6)", ha="center", va="center",
            fontsize=9.5)
    _arrow(ax, (2.5, 0.42), (2.5, 1.2 - HEIGHT / 2))
    _arrow(ax, (8.0, 0.42), (8.0, 1.2 - HEIGHT / 2))
    _arrow(ax, (8.0, 10.5 + HEIGHT / 2), (8.0, 11.25))
    ax.text(8.0, 11.5, "output probabilities (one row per position over the 11 tokens)", ha="center", va="center",
            fontsize=9.5)
    # The encoder's output (memory) feeds K and V of every decoder layer's cross-attention.
    memory = "#08519c"
    ax.plot([2.5, 2.5, 5.25, 5.25], [6.4 + HEIGHT / 2, 7.55, 7.55, 5.5], color=memory, linewidth=1.8)
    _arrow(ax, (5.25, 5.5), (8.0 - WIDTH / 2, 5.5), colour=memory, linewidth=1.8)
    ax.text(2.6, 7.65, "encoder output (memory): K and V", ha="left", va="bottom", fontsize=9, color=memory)
    ax.text(-0.5, 11.5, "[NN] = notebook", ha="left", va="center", fontsize=9, color="#08519c")
    fig.tight_layout()
    return fig
