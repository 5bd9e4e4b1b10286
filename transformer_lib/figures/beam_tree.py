"""Beam search drawn as a tree: one column per step, one node per hypothesis, an edge from each
node to the hypothesis it extends.

Per step, the best candidates are drawn from the top, most probable first: those kept in the
beam (blue), those that ended with <eos> and went to the pool of finished hypotheses (green),
and the best of those pruned (grey, with their edge dashed). Each node shows the token it adds
and the summed log-probability log P of its whole prefix; a finished node also shows its score
log P / lp. The returned output's path is drawn thick and orange once the search is over."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from ..training.beam import BeamSearchResult
from .palette import LINE_COLOURS
from .token_labels import drawn_label

KEPT_COLOR, BEST_COLOR, FINISHED_COLOR = LINE_COLOURS[0], LINE_COLOURS[3], LINE_COLOURS[2]  # blue, vermillion, green
PRUNED_COLOR = "#aaaaaa"  # lighter than the blue, green and vermillion with any colour vision


def step_nodes(result: BeamSearchResult, step: int, sentence: int = 0, pruned: int | None = None) -> list[dict]:
    """The nodes drawn for `step` (from 1) of the search for `sentence`, best first: each a dict
    with ``kind`` ("kept", "finished" or "pruned"), ``parent`` (beam row of the previous step),
    ``token``, ``log_prob``, ``score`` (finished only) and, for kept ones, ``row`` (its beam row).
    At most `pruned` pruned candidates (default: the beam width) are included."""
    record = result.steps[step - 1]
    width, vocab = record.parents.shape[1], record.candidates.shape[2]
    pruned = width if pruned is None else pruned
    nodes = [dict(kind="kept", row=j, parent=int(record.parents[sentence, j]), token=int(record.tokens[sentence, j]),
                  log_prob=float(record.log_probs[sentence, j]))
             for j in range(width) if np.isfinite(record.log_probs[sentence, j])]
    nodes += [dict(kind="finished", parent=f.parent, token=f.tokens[-1], log_prob=f.log_prob, score=f.score)
              for f in record.finished if f.sentence == sentence]
    taken = {(n["parent"], n["token"]) for n in nodes}
    flat = record.candidates[sentence].reshape(-1)
    for index in np.argsort(-flat, kind="stable"):
        if pruned <= 0 or not np.isfinite(flat[index]):
            break
        parent, token = divmod(int(index), vocab)
        if (parent, token) not in taken:
            nodes.append(dict(kind="pruned", parent=parent, token=token, log_prob=float(flat[index])))
            pruned -= 1
    return sorted(nodes, key=lambda n: -n["log_prob"])


def node_prefix(result: BeamSearchResult, step: int, node: dict, sentence: int = 0) -> tuple[int, ...]:
    """The tokens of a node of `step_nodes`: its beam row's prefix, followed back through the
    parents, and the node's own token."""
    tokens, row = [node["token"]], node["parent"]
    for record in reversed(result.steps[: step - 1]):
        tokens.insert(0, int(record.tokens[sentence, row]))
        row = int(record.parents[sentence, row])
    return tuple(tokens)


def beam_tree_figure(result: BeamSearchResult, token_labels: Sequence[str], step: int | None = None,
                     sentence: int = 0, title: str | None = None, width: float = 9.5) -> Figure:
    """The search for `sentence` up to `step` (default: every step taken), on axes sized for the
    whole search so that moving `step` does not move the picture. `token_labels` (V,) names the
    tokens (the running example's Korean words are drawn in Hangul). Returns the Figure."""
    fig, ax = plt.subplots(figsize=(width, _height(_most_nodes(result, sentence))))
    ax.axis("off")
    handles = [plt.Line2D([], [], color=c, linewidth=w, linestyle=s, label=name) for c, w, s, name in (
        (KEPT_COLOR, 1.5, "-", "kept in the beam"), (FINISHED_COLOR, 1.5, "-", "ended: log P / lp"),
        (PRUNED_COLOR, 1.0, "--", "pruned"), (BEST_COLOR, 2.6, "-", "returned output"))]
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, fontsize=8, frameon=False)
    update_beam_tree(fig, result, token_labels, step, sentence, title)
    return fig


def update_beam_tree(fig: Figure, result: BeamSearchResult, token_labels: Sequence[str], step: int | None = None,
                     sentence: int = 0, title: str | None = None) -> None:
    """Show another search, or another step of it, in `fig`, drawn by `beam_tree_figure`, in
    place: the same axes and legend, the nodes and edges drawn anew, and the figure's height
    and the axes' limits set for the whole search (the height follows its fullest step)."""
    (ax,) = fig.axes
    most = _most_nodes(result, sentence)
    height = _height(most)
    if fig.get_figheight() != height:
        fig.set_figheight(height)
    for artist in [*ax.texts, *ax.lines]:
        artist.remove()
    taken = len(result.steps)
    ax.set_xlim(-0.45, taken + 0.6)
    ax.set_ylim(most - 0.4, -0.8)
    _draw_tree(ax, result, token_labels, taken if step is None else min(step, taken), sentence)
    if title:
        fig.suptitle(title, fontsize=10, y=0.995)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=1 - (0.7 if title else 0.4) / height)


def _most_nodes(result: BeamSearchResult, sentence: int) -> int:
    """The number of nodes of the search's fullest step."""
    return max(len(step_nodes(result, t, sentence)) for t in range(1, len(result.steps) + 1))


def _height(most_nodes: int) -> float:
    """Inches: room for a column of `most_nodes` nodes, the legend and the title."""
    return 0.55 * most_nodes + 1.3


def _draw_tree(ax, result: BeamSearchResult, token_labels: Sequence[str], step: int, sentence: int) -> None:
    """The nodes and edges of steps 1 .. `step` on `ax`, the returned output's path highlighted
    once every step taken is drawn."""
    taken = len(result.steps)
    ax.text(0, 0, "<bos>", ha="center", va="center", fontsize=8, bbox=_box("white", "black"))
    ax.text(0, -0.65, "step 0", ha="center", fontsize=8, color="dimgrey")
    output = tuple(result.sequences[sentence, : int(result.lengths[sentence])].tolist())
    previous_y = {0: 0.0}  # beam row -> height of its node in the previous column
    for t in range(1, step + 1):
        ax.text(t, -0.65, f"step {t}", ha="center", fontsize=8, color="dimgrey")
        here = {}
        for y, node in enumerate(step_nodes(result, t, sentence)):
            kind = node["kind"]
            color = {"kept": KEPT_COLOR, "finished": FINISHED_COLOR, "pruned": PRUNED_COLOR}[kind]
            prefix = node_prefix(result, t, node, sentence)
            highlight = step == taken and kind != "pruned" and (
                prefix == output if kind == "finished" or t == len(output) else prefix == output[:t])
            ax.plot([t - 1, t], [previous_y.get(node["parent"], 0.0), y],
                    color=BEST_COLOR if highlight else color, linewidth=2.6 if highlight else 1.0,
                    linestyle="--" if kind == "pruned" else "-", zorder=1)
            label = f"{drawn_label(token_labels[node['token']])}\n{_two_decimals(node['log_prob'])}"
            if kind == "finished":
                label += f" / lp = {_two_decimals(node['score'])}"
            ax.text(t, y, label, ha="center", va="center", fontsize=8, color="black" if kind != "pruned" else "dimgrey",
                    bbox=_box("white", BEST_COLOR if highlight else color, 2.0 if highlight else 1.0), zorder=2)
            if kind == "kept":
                here[node["row"]] = y
        previous_y = here


def _two_decimals(value: float) -> str:
    return f"{round(value, 2) + 0.0:.2f}"  # + 0.0: no "-0.00"


def _box(face: str, edge: str, linewidth: float = 1.0) -> dict:
    return dict(boxstyle="round,pad=0.25", facecolor=face, edgecolor=edge, linewidth=linewidth)
