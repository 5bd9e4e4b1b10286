"""The encoder-stack explorer: choose how many encoder layers to stack and which head to look
at, and see that head's attention map in every layer, and the stack's output."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..figures.encoder_stack import encoder_stack_figure
from ..lessons.toy import SOURCE_IDS, TOY_CONFIG, running_example, token_names
from ..model.encoder import Encoder
from .base import View, explorer, printable

MAX_LAYERS = 6


@lru_cache(maxsize=1)
def _running_example_input() -> np.ndarray:
    """The encoder input of the running example: embedding + positional encoding (1, 3, 6)."""
    return running_example()[1]["src_input"]


def encoder_stack_data(num_layers: int = 2, seed: int = 0) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A toy-sized `Encoder` of `num_layers` layers (weights from `seed`) on the running example.

    Returns ``(output (1, 3, 6), trace)``. Layers are drawn one after another from the same
    generator, so layer i has the same weights whatever the number of layers after it."""
    c = TOY_CONFIG
    encoder = Encoder(num_layers, c.d_model, c.num_heads, c.d_ff, np.random.default_rng(seed))
    out = encoder.forward(_running_example_input())
    return out, encoder.trace()


def encoder_stack_view(num_layers: int = 2, head: int = 0) -> View:
    """Head `head`'s attention weights in layers 1 .. `num_layers`, then the stack's output."""
    out, trace = encoder_stack_data(num_layers)
    names = token_names(SOURCE_IDS)
    maps = [trace[f"layers.{i}.self_attn.weights"][0, head] for i in range(num_layers)]
    fig = encoder_stack_figure(maps, out[0], names, head)
    lines = [f"{num_layers} layer(s), head {head + 1}: attention weights (rows: queries {', '.join(names)})"]
    for i, m in enumerate(maps):
        lines.append(f"layer {i + 1}: " + " | ".join(" ".join(f"{v:.4f}" for v in row) for row in printable(m)))
    lines.append("output: " + " | ".join(" ".join(f"{v:.4f}" for v in row) for row in printable(out[0])))
    return View(fig, "\n".join(lines))


def encoder_stack_explorer():
    """A slider for the number of layers and a toggle for the head, above the live view."""
    import ipywidgets as w

    controls = {
        "num_layers": w.IntSlider(value=2, min=1, max=MAX_LAYERS, description="layers N"),
        "head": w.ToggleButtons(options=[("head 1", 0), ("head 2", 1)], value=0, description="head"),
    }
    return explorer(encoder_stack_view, controls, "Attention maps through a stack of encoder layers")
