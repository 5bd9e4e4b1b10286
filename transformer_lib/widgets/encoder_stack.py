"""The encoder-stack explorer: choose how many encoder layers to stack and which head to look
at, and see that head's attention map in every layer, and the stack's output. With trained
weights it shows the trained running example's encoder, which has one layer."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ..figures.encoder_stack import encoder_stack_figure, update_encoder_stack
from ..lessons.toy import SOURCE_IDS, TOY_CONFIG, check_weights, running_example, token_names
from ..model.encoder import Encoder
from .base import Live, View, explorer, printable, remembered_layout, weights_switch

MAX_LAYERS = 6


@lru_cache(maxsize=1)
def _running_example_input() -> np.ndarray:
    """The encoder input of the running example: embedding + positional encoding (1, 3, 6)."""
    return running_example()[1]["src_input"]


def encoder_stack_data(num_layers: int = 2, seed: int = 0,
                       weights: str = "untrained") -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """A toy-sized `Encoder` of `num_layers` layers (weights from `seed`) on the running example,
    or with ``weights="trained"`` the trained model's encoder (``num_layers`` must then be 1).

    Returns ``(output (1, 3, 6), trace)``. Layers are drawn one after another from the same
    generator, so layer i has the same weights whatever the number of layers after it."""
    if check_weights(weights) == "trained":
        if num_layers != 1:
            raise ValueError(f"the trained model has 1 encoder layer, got num_layers={num_layers!r}")
        trace = running_example(weights="trained")[1]
        return trace["memory"], {name.removeprefix("encoder."): value for name, value in trace.items()
                                 if name.startswith("encoder.")}
    c = TOY_CONFIG
    encoder = Encoder(num_layers, c.layer_config(), np.random.default_rng(seed))
    out = encoder.forward(_running_example_input())
    return out, encoder.trace()


def encoder_stack_view(num_layers: int = 2, head: int = 0, weights: str = "untrained") -> View:
    """Head `head`'s attention weights in layers 1 .. `num_layers`, then the stack's output.

    The figure is laid out for the number of layers and the weights (`encoder_stack_layout`)
    and then shows the head (`show_encoder_stack`), as the explorer does."""
    figure = encoder_stack_layout(num_layers, weights)
    return View(figure, show_encoder_stack(figure, num_layers, head, weights), whole=True)


def _figure_arguments(num_layers: int, head: int, weights: str) -> tuple[np.ndarray, tuple]:
    out, trace = encoder_stack_data(num_layers, weights=weights)
    maps = [trace[f"layers.{i}.self_attn.weights"][0, head] for i in range(num_layers)]
    return out, (maps, out[0], token_names(SOURCE_IDS), head, weights)


@remembered_layout
def encoder_stack_layout(num_layers: int = 2, weights: str = "untrained") -> Figure:
    """The encoder-stack picture of `num_layers` layers of `weights` through head 1 (the panel
    titles name the weights, so they fix the layout too); `show_encoder_stack` puts either
    head into it."""
    _, arguments = _figure_arguments(num_layers, 0, weights)
    return encoder_stack_figure(*arguments)


def show_encoder_stack(figure: Figure, num_layers: int = 2, head: int = 0, weights: str = "untrained") -> str:
    """Put head `head` into `figure` (from `encoder_stack_layout(num_layers, weights)`) in place,
    and return the text of the view."""
    out, arguments = _figure_arguments(num_layers, head, weights)
    update_encoder_stack(figure, *arguments)
    maps, names = arguments[0], arguments[2]
    lines = [f"{weights} weights, {num_layers} layer(s), head {head + 1}: attention weights "
             f"(rows: queries {', '.join(names)})"]
    for i, m in enumerate(maps):
        lines.append(f"layer {i + 1}: " + " | ".join(" ".join(f"{v:.4f}" for v in row) for row in printable(m)))
    lines.append("output: " + " | ".join(" ".join(f"{v:.4f}" for v in row) for row in printable(out[0])))
    return "\n".join(lines)


def _follow_the_weights(controls: dict) -> None:
    """The trained model has one encoder layer: with trained weights the slider stops at 1."""
    controls["num_layers"].max = 1 if controls["weights"].value == "trained" else MAX_LAYERS


def encoder_stack_explorer():
    """A slider for the number of layers, a toggle for the head and a weights switch (untrained
    stacks of 1 to 6 layers, or the trained model's one layer), above the live view."""
    import ipywidgets as w

    controls = {
        "num_layers": w.IntSlider(value=2, min=1, max=MAX_LAYERS, description="layers N"),
        "head": w.ToggleButtons(options=[("head 1", 0), ("head 2", 1)], value=0, description="head"),
        "weights": weights_switch(),
    }
    reachable = [{"num_layers": n, "weights": "untrained"} for n in range(1, MAX_LAYERS + 1)]
    picture = Live(encoder_stack_layout, show_encoder_stack, layout_settings=("num_layers", "weights"),
                   reachable=(*reachable, {"num_layers": 1, "weights": "trained"}))
    return explorer(picture, controls, "Attention maps through a stack of encoder layers",
                    sync=_follow_the_weights)
