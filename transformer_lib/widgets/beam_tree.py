"""The beam-tree control: choose the beam width, the length penalty's alpha and the step, and
watch which hypotheses beam search keeps, which end with <eos> and which it prunes, with their
log-probabilities; the text compares the returned output with greedy decoding's.

By default it searches the hand-made table of `lessons.beam_example` (numbers a reader can
multiply out); `model_search` gives the same control for a Transformer and one source sentence."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache, partial

import numpy as np
from matplotlib.figure import Figure

from ..figures.beam_tree import beam_tree_figure, update_beam_tree
from ..lessons.beam_example import HAND_MAX_LEN, hand_beam_search
from ..lessons.toy import VOCAB
from ..model.transformer import Transformer
from ..training.beam import BeamSearchResult, beam_decode, length_penalty
from .base import Live, View, explorer, laid_out, remembered_layout

Search = Callable[[int, float], BeamSearchResult]  # (beam width, alpha) -> the search of one sentence


def model_search(model: Transformer, src, bos_id: int, eos_id: int, max_len: int) -> Search:
    """A `Search` over `model` for one source sentence src (Ts,), remembering every search it ran."""
    src = np.asarray(src)[None]

    @lru_cache(maxsize=64)
    def search(beam_width: int, alpha: float) -> BeamSearchResult:
        return beam_decode(model, src, bos_id, max_len, beam_width, alpha, eos_id)

    return search


_hand_search = lru_cache(maxsize=64)(lambda beam_width, alpha: hand_beam_search(beam_width, alpha))


def _words(result: BeamSearchResult, names: Sequence[str]) -> str:
    return " ".join(names[int(t)] for t in result.sequences[0, : int(result.lengths[0])])


def beam_tree_view(width: int = 2, alpha: float = 0.0, step: int | None = None, search: Search | None = None,
                   names: Sequence[str] = VOCAB) -> View:
    """The search tree of `search` (default: the hand-made table) with beam width `width` and
    length penalty `alpha`, drawn up to `step` (default: to the end), and as text: what the
    beam holds after that step, what ended so far, the returned output and greedy's.

    The figure is laid out for the beam width (`beam_tree_layout`) and then shows alpha and
    the step (`show_beam_tree`), as the explorer does."""
    figure = beam_tree_layout(width, search, names)
    return View(figure, show_beam_tree(figure, width, alpha, step, search, names), whole=True)


def _searched(width: int, alpha: float, step: int | None, search: Search | None):
    """(result, greedy's result, the step drawn, alpha as searched): the step within the steps
    the search took."""
    search = _hand_search if search is None else search
    alpha = round(float(alpha), 4)
    result, greedy = search(int(width), alpha), search(1, 0.0)
    taken = len(result.steps)
    return result, greedy, taken if step is None else max(1, min(int(step), taken)), alpha


def _title(width: int, alpha: float, shown: int, taken: int) -> str:
    return f"beam width {width}, alpha {alpha:.2f}: step {shown} of {taken}"


@remembered_layout
def beam_tree_layout(width: int = 2, search: Search | None = None, names: Sequence[str] = VOCAB) -> Figure:
    """The whole tree of beam width `width` without a length penalty; `show_beam_tree` puts
    any alpha and step of that width into it."""
    result, _, shown, alpha = _searched(width, 0.0, None, search)
    return beam_tree_figure(result, names, step=shown, title=_title(width, alpha, shown, shown))


def show_beam_tree(figure: Figure, width: int = 2, alpha: float = 0.0, step: int | None = None,
                   search: Search | None = None, names: Sequence[str] = VOCAB) -> str:
    """Put this search and step into `figure` (from `beam_tree_layout(width, search, names)`) in
    place, and return the text of the view. A search whose fullest step has another number of
    nodes changes the figure's height, and the figure is laid out again."""
    result, greedy, shown, alpha = _searched(width, alpha, step, search)
    taken = len(result.steps)
    size = tuple(figure.get_size_inches())
    update_beam_tree(figure, result, names, step=shown, title=_title(width, alpha, shown, taken))
    if tuple(figure.get_size_inches()) != size:
        laid_out(figure)
    record = result.steps[shown - 1]
    lines = [f"beam width {width}, alpha {alpha:.2f}, step {shown} of {taken}"
             + (f" (the search ended after step {taken})" if step is not None and step > taken else ""),
             f"length penalty lp(n) = ((5 + n) / 6)^{alpha:.2f}: lp(2) = {length_penalty(2, alpha):.4f}, "
             f"lp(4) = {length_penalty(4, alpha):.4f}"]
    kept = [j for j in range(record.log_probs.shape[1]) if np.isfinite(record.log_probs[0, j])]
    lines.append(f"in the beam after step {shown}:" + ("" if kept else " none"))
    for j in kept:
        tokens, row = [], j
        for earlier in reversed(result.steps[:shown]):
            tokens.insert(0, names[int(earlier.tokens[0, row])])
            row = int(earlier.parents[0, row])
        lines.append(f"  {' '.join(tokens):<36} log P {record.log_probs[0, j]:.4f}")
    ended = [f for f in result.finished if f.step <= shown]
    lines.append("ended so far:" + ("" if ended else " none"))
    for f in ended:
        words = " ".join(names[int(t)] for t in f.tokens)
        lines.append(f"  {words:<36} log P {f.log_prob:.4f}, score log P / lp({len(f.tokens)}) = {f.score:.4f}")
    lines.append(f"returned: {_words(result, names)}  (P {np.exp(result.log_probs[0]):.4f}, score {result.scores[0]:.4f})")
    lines.append(f"greedy:   {_words(greedy, names)}  (P {np.exp(greedy.log_probs[0]):.4f})")
    return "\n".join(lines)


def beam_tree_explorer(search: Search | None = None, names: Sequence[str] = VOCAB, max_len: int = HAND_MAX_LEN,
                       max_width: int = 4):
    """Sliders for the beam width (1 to `max_width`), alpha (0 to 1.5) and the step (1 to
    `max_len`), above the tree and its numbers."""
    import ipywidgets as w

    controls = {
        "width": w.IntSlider(value=2, min=1, max=max_width, description="beam width"),
        "alpha": w.FloatSlider(value=0.0, min=0.0, max=1.5, step=0.1, description="alpha", readout_format=".1f"),
        "step": w.IntSlider(value=max_len, min=1, max=max_len, description="step"),
    }
    picture = Live(partial(beam_tree_layout, search=search, names=names),
                   partial(show_beam_tree, search=search, names=names), layout_settings=("width",),
                   reachable=tuple({"width": width} for width in range(1, max_width + 1)))
    return explorer(picture, controls, "Beam search as a tree")
