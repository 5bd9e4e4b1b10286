"""The ReLU explorer: pick a token, scale its feed-forward input, add a constant to the first
layer's biases, and watch which of the d_ff hidden units ReLU switches off."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ..figures.relu_units import relu_units_figure, update_relu_units
from ..lessons.toy import SOURCE_IDS, running_example, token_names
from ..model.feed_forward import FeedForward
from .base import Live, View, explorer, printable, remembered_layout


@lru_cache(maxsize=1)
def _running_example() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The feed-forward input of the running example (add & norm 1, (3, 6)) and the FFN's weights."""
    model, trace = running_example()
    return trace["encoder.layers.0.add_norm_1"][0], model.encoder.layers[0].ffn.state_dict()


def relu_units_data(token: int = 1, scale: float = 1.0, bias: float = 0.0) -> dict[str, np.ndarray]:
    """The running example's FFN on ``scale * x[token]`` with `bias` added to every entry of b1.

    Returns ``x`` (1, 6), ``hidden`` and ``activated`` (1, d_ff) from the FFN's trace,
    ``output`` (1, 6) and ``off`` (the indices of the units that are 0 after ReLU)."""
    x_all, state = _running_example()
    d_model, d_ff = state["linear1.weight"].shape
    ffn = FeedForward(d_model, d_ff, np.random.default_rng(0))
    state = dict(state, **{"linear1.bias": state["linear1.bias"] + bias})
    ffn.load_state_dict(state)
    x = scale * x_all[token][None, :]
    out = ffn.forward(x)
    t = ffn.trace()
    return {"x": x, "hidden": t["hidden"], "activated": t["activated"], "output": out,
            "off": np.flatnonzero(t["activated"][0] == 0)}


def relu_units_view(token: int = 1, scale: float = 1.0, bias: float = 0.0) -> View:
    """Hidden units of one token before and after ReLU, the switched-off ones hatched.

    The figure is laid out once (`relu_units_layout`) and then shows the settings
    (`show_relu_units`), as the explorer does."""
    figure = relu_units_layout()
    return View(figure, show_relu_units(figure, token, scale, bias), whole=True)


def _figure_arguments(token: int, scale: float, bias: float) -> tuple[dict, tuple, dict]:
    d = relu_units_data(token, scale, bias)
    name = token_names(SOURCE_IDS)[token]
    return d, (d["hidden"], d["activated"], [name]), {"title": f"'{name}', input x {scale:.2f}, b1 {bias:+.2f}"}


@remembered_layout
def relu_units_layout() -> Figure:
    """The ReLU picture of the second token; `show_relu_units` puts any token, input scale and
    bias into it."""
    _, arguments, keywords = _figure_arguments(1, 1.0, 0.0)
    return relu_units_figure(*arguments, **keywords)


def show_relu_units(figure: Figure, token: int = 1, scale: float = 1.0, bias: float = 0.0) -> str:
    """Put these settings into `figure` (from `relu_units_layout()`) in place, and return the
    text of the view."""
    d, arguments, keywords = _figure_arguments(token, scale, bias)
    update_relu_units(figure, *arguments, **keywords)
    name = arguments[2][0]
    off = d["off"]
    return "\n".join([
        f"token '{name}', input scaled by {scale:.4f}, {bias:+.4f} added to b1",
        f"units off ({len(off)} of {d['hidden'].shape[-1]}): {' '.join(map(str, off))}",
        "FFN output  [" + "  ".join(f"{v:7.4f}" for v in printable(d["output"][0])) + "]",
    ])


def relu_units_explorer():
    """A token menu, an input-scale slider and a b1 slider above the live view."""
    import ipywidgets as w

    names = token_names(SOURCE_IDS)
    controls = {
        "token": w.Dropdown(options=[(n, i) for i, n in enumerate(names)], value=1, description="token"),
        "scale": w.FloatSlider(value=1.0, min=-2.0, max=2.0, step=0.25, description="input x"),
        "bias": w.FloatSlider(value=0.0, min=-1.0, max=1.0, step=0.1, description="b1 +"),
    }
    return explorer(Live(relu_units_layout, show_relu_units), controls, "Which hidden units does ReLU switch off?")
