"""Distributions over the vocabulary as bar charts, one panel per distribution: the output
probabilities of each target position, or a target distribution with and without label
smoothing. The correct token's bar is drawn in its own colour and labelled with its value."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from .token_labels import drawn_labels

BAR_COLOR = "#9ecae1"
ANSWER_COLOR = "#e6550d"
OUTLINE_COLOR = "black"


def probability_bars(ax, values, token_labels: Sequence[str], title: str | None = None,
                     highlight: int | None = None, outline=None, outline_label: str = "target",
                     baseline: float | None = None, ylim: tuple[float, float] | None = None) -> None:
    """Draw `values` (V,) as bars on `ax`, one per token of `token_labels` (V,).

    The bar at index `highlight` (the correct token) is orange and has its value written above
    it, clear of its outline and of the bars beside it (the label is wider than one bar).
    `outline` (V,), if given, is drawn as black hollow bars over the same positions (the target
    distribution the values are compared with). `baseline`, if given, is a dashed horizontal
    line (e.g. the uniform guess 1 / V). The outline and the baseline carry labels for a legend."""
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or len(values) != len(token_labels):
        raise ValueError(f"values has shape {values.shape}, expected ({len(token_labels)},), one per token")
    positions = np.arange(len(values))
    colors = [ANSWER_COLOR if i == highlight else BAR_COLOR for i in positions]
    ax.bar(positions, values, width=0.75, color=colors, zorder=2)
    if baseline is not None:
        ax.axhline(baseline, color="grey", linestyle="--", linewidth=1, zorder=1, label="uniform guess")
    if outline is not None:
        ax.bar(positions, np.asarray(outline, dtype=np.float64), width=0.75, fill=False,
               edgecolor=OUTLINE_COLOR, linewidth=1.2, zorder=3, label=outline_label)
    ax.set_ylim(ylim if ylim else (0.0, 1.2 * _highest(values, outline) or 1.0))
    if highlight is not None:
        v = values[highlight]
        ax.annotate(f"{v:.4f}", (highlight, _label_height(values, outline, highlight)), xytext=(0, 3),
                    textcoords="offset points", ha="center",
                    va="bottom", fontsize=8, color=ANSWER_COLOR, fontweight="bold", zorder=4,
                    bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.85))
    ax.set_xticks(positions, labels=drawn_labels(token_labels), rotation=60, ha="right", fontsize=8)
    if highlight is not None:
        ax.get_xticklabels()[highlight].set_color(ANSWER_COLOR)
        ax.get_xticklabels()[highlight].set_fontweight("bold")
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", alpha=0.3, zorder=0)
    if title:
        ax.set_title(title, fontsize=10)


def probability_bars_figure(panels: Sequence[dict], token_labels: Sequence[str], ylabel: str = "probability",
                            sharey: bool = True, suptitle: str | None = None, panel_width: float = 3.2) -> Figure:
    """One `probability_bars` panel per dict of `panels` (keys: ``values`` (V,), and optionally
    ``title``, ``highlight``, ``outline``, ``outline_label``, ``baseline``, ``ylim``), side by side on one
    y scale when `sharey`, each `panel_width` inches wide."""
    n = len(panels)
    if sharey and not any("ylim" in p for p in panels):
        top = max(_highest(p.get("values"), p.get("outline")) for p in panels)
        panels = [dict(p, ylim=(0.0, 1.2 * float(top))) for p in panels]
    fig, axes = plt.subplots(1, n, figsize=(panel_width * n + 0.4, 3.3), squeeze=False, sharey=sharey)
    for ax, panel in zip(axes[0], panels, strict=True):
        probability_bars(ax, token_labels=token_labels, **panel)
        ax.yaxis.set_tick_params(labelleft=True)
    axes[0, 0].set_ylabel(ylabel, fontsize=9)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    legend = {}                                         # label -> handle, once each, in drawing order
    for ax in axes[0]:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            legend.setdefault(label, handle)
    handles, labels = list(legend.values()), list(legend)
    fig.tight_layout(rect=(0, 0.07, 1, 1) if handles else None)
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=len(handles), fontsize=8, frameon=False)
    return fig


def output_probabilities_figure(probs: np.ndarray, target_ids: Sequence[int], target: np.ndarray,
                                token_labels: Sequence[str], panel_titles: Sequence[str], target_label: str,
                                suptitle: str | None = None, uniform: float | None = None) -> Figure:
    """One panel per position t of `probs` (T, V): the model's probabilities on a fixed axis 0
    to 1.15, the correct token `target_ids[t]` highlighted, the distribution `target[t]` (V,)
    it is trained towards outlined (labelled `target_label` in the legend) and the uniform guess
    dashed at `uniform` (1 / V by default; give it when a bar sums several tokens);
    `panel_titles` (T,) title the panels."""
    baseline = 1.0 / np.shape(probs)[-1] if uniform is None else uniform
    panels = [dict(values=probs[t], highlight=int(target_ids[t]), outline=target[t], outline_label=target_label,
                   baseline=baseline, ylim=(0.0, 1.15), title=title) for t, title in enumerate(panel_titles)]
    return probability_bars_figure(panels, token_labels, suptitle=suptitle)


def _highest(values, outline=None) -> float:
    """The tallest bar among `values` and `outline` (either may be None)."""
    return max(float(np.max(v)) if v is not None else 0.0 for v in (values, outline))


def _label_height(values: np.ndarray, outline, index: int) -> float:
    """Where the value label of bar `index` goes: above that bar, its outline, and its neighbours."""
    near = values[max(index - 1, 0):index + 2]
    return max(float(near.max()), float(np.asarray(outline)[index]) if outline is not None else 0.0)
