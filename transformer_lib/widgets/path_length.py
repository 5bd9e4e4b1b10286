"""The sentence-length explorer: how many steps a recurrent layer and a self-attention layer
need one after the other, how far apart two words are inside each, and what a layer costs, as
the sentence grows (the paper's Table 1, with d the model width)."""

from __future__ import annotations

import numpy as np

from ..figures.path_length import path_length_figure
from .base import View, explorer

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
    layer), the chosen length marked; the text gives the numbers at that length."""
    d = path_length_data(length, d_model)
    fig = path_length_figure(d["lengths"], {"RNN": d["rnn_steps"], "self-attention": d["attention_steps"]},
                             {"RNN": d["rnn_path"], "self-attention": d["attention_path"]},
                             {"RNN": d["rnn_operations"], "self-attention": d["attention_operations"]},
                             d_model, chosen=length)
    at = d["at"]
    cheaper = "self-attention" if at["attention_operations"] < at["rnn_operations"] else (
        "RNN" if at["rnn_operations"] < at["attention_operations"] else "neither")
    text = "\n".join([
        f"sentence length n = {length}, model width d = {d_model}",
        f"sequential steps:  RNN {at['rnn_steps']:.0f}   self-attention {at['attention_steps']:.0f}",
        f"longest path:      RNN {at['rnn_path']:.0f}   self-attention {at['attention_path']:.0f}",
        f"operations:        RNN n d^2 = {at['rnn_operations']:,.0f}   self-attention n^2 d = "
        f"{at['attention_operations']:,.0f}   (cheaper: {cheaper})",
    ])
    return View(fig, text)


def path_length_explorer():
    """A sentence-length slider above the live view."""
    import ipywidgets as w

    controls = {"length": w.IntSlider(value=20, min=2, max=MAX_LENGTH, description="length n",
                                      style={"description_width": "initial"})}
    return explorer(path_length_view, controls, "Recurrence vs self-attention as the sentence grows")
