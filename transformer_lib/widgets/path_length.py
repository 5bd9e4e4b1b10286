"""The sentence-length explorer: how many steps a recurrent layer and a self-attention layer
need one after the other, how far apart two words are inside each, and what a layer costs, as
the sentence grows (the paper's Table 1, with d the model width)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..figures.path_length import path_length_figure, update_path_length
from .base import Live, View, explorer, remembered_layout

MAX_LENGTH = 1000


def path_length_data(length: int = 20, d_model: int = 512, max_length: int = MAX_LENGTH) -> dict[str, np.ndarray]:
    """Per-layer costs for sentence lengths n = 2 .. max_length, and their values at n = `length`.

    A recurrent layer reads the words one after the other: n sequential steps, and a signal
    from word 1 reaches word n through n - 1 hidden-state updates; it costs n d^2 operations.
    A self-attention layer relates all n words in one matrix product: 1 sequential step, path
    length 1 between any two words, n^2 d operations.

    Returns ``lengths`` (max_length - 1,) and, for ``rnn`` and ``attention``, the arrays
    ``*_steps``, ``*_path``, ``*_operations`` over the lengths, plus ``at`` = {name: value at
    n = length}."""
    if not 2 <= length <= max_length:
        raise ValueError(f"length must be in 2 .. {max_length}, got {length}")
    n = np.arange(2, max_length + 1)
    d = {
        "lengths": n,
        "rnn_steps": n.astype(float), "attention_steps": np.ones(n.size),
        "rnn_path": (n - 1).astype(float), "attention_path": np.ones(n.size),
        "rnn_operations": n * float(d_model) ** 2, "attention_operations": n.astype(float) ** 2 * d_model,
    }
    d["at"] = {key: float(values[length - 2]) for key, values in d.items() if key != "lengths"}
    return d


def path_length_view(length: int = 20, d_model: int = 512) -> View:
    """Three panels over the sentence length (sequential steps, longest path, operations per
    layer), the chosen length marked; the text gives the numbers at that length.

    The figure is laid out once (`path_length_layout`) and then marks the length
    (`show_path_length`), as the explorer does."""
    figure = path_length_layout(d_model)
    return View(figure, show_path_length(figure, length, d_model), whole=True)


def _curves(d: dict) -> tuple[dict, dict, dict]:
    return ({"RNN": d["rnn_steps"], "self-attention": d["attention_steps"]},
            {"RNN": d["rnn_path"], "self-attention": d["attention_path"]},
            {"RNN": d["rnn_operations"], "self-attention": d["attention_operations"]})


@remembered_layout
def path_length_layout(d_model: int = 512) -> Figure:
    """The three panels with length 20 marked; `show_path_length` marks any other length."""
    d = path_length_data(20, d_model)
    return path_length_figure(d["lengths"], *_curves(d), d_model, chosen=20)


def show_path_length(figure: Figure, length: int = 20, d_model: int = 512) -> str:
    """Mark `length` in `figure` (from `path_length_layout(d_model)`) in place, and return the
    text of the view."""
    d = path_length_data(length, d_model)
    update_path_length(figure, d["lengths"], *_curves(d), chosen=length)
    at = d["at"]
    cheaper = "self-attention" if at["attention_operations"] < at["rnn_operations"] else (
        "RNN" if at["rnn_operations"] < at["attention_operations"] else "neither")
    return "\n".join([
        f"sentence length n = {length}, model width d = {d_model}",
        f"sequential steps:  RNN {at['rnn_steps']:.0f}   self-attention {at['attention_steps']:.0f}",
        f"longest path:      RNN {at['rnn_path']:.0f}   self-attention {at['attention_path']:.0f}",
        f"operations:        RNN n d^2 = {at['rnn_operations']:,.0f}   self-attention n^2 d = "
        f"{at['attention_operations']:,.0f}   (cheaper: {cheaper})",
    ])


def path_length_explorer():
    """A sentence-length slider above the live view."""
    import ipywidgets as w

    controls = {"length": w.IntSlider(value=20, min=2, max=MAX_LENGTH, description="length n",
                                      style={"description_width": "initial"})}
    picture = Live(lambda: path_length_layout(), show_path_length)  # one layout for every length
    return explorer(picture, controls, "Recurrence vs self-attention as the sentence grows")
