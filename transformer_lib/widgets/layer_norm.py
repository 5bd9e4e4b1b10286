"""The layer-norm explorer: scale or shift one token's features and watch its normalised row
stay put. Layer normalisation subtracts the token's own mean and divides by its own standard
deviation, so (x * a + b) normalises to the same vector as x for any a > 0, up to the small
epsilon under the square root."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ..figures.layer_norm import layer_norm_figure, update_layer_norm
from ..lessons.toy import SOURCE_IDS, running_example, token_names
from ..model.layer_norm import LayerNorm
from .base import Live, View, explorer, printable, remembered_layout

FEATURES = [f"f{i}" for i in range(6)]


@lru_cache(maxsize=1)
def _running_example_input() -> np.ndarray:
    """The input of the first add & norm in the running example: X + attention output (3, 6)."""
    return running_example()[1]["encoder.layers.0.attention_sum"][0]


def layer_norm_data(token: int = 1, scale: float = 1.0, shift: float = 0.0) -> dict[str, np.ndarray]:
    """Layer norm (gamma = 1, beta = 0) of the running example's first add & norm input, with
    row `token` replaced by ``scale * row + shift``.

    Returns ``inputs`` (3, 6), ``mean`` and ``std`` (3, 1), ``normalized`` (3, 6), all taken from
    the LayerNorm's trace, and ``original`` (3, 6), the normalised rows without the change."""
    x = _running_example_input()
    changed = x.copy()
    changed[token] = scale * x[token] + shift
    norm = LayerNorm(x.shape[-1])
    norm.forward(x)
    original = norm.trace()["normalized"]
    norm.forward(changed)
    t = norm.trace()
    return {"inputs": changed, "mean": t["mean"], "std": t["std"], "normalized": t["normalized"], "original": original}


def layer_norm_view(token: int = 1, scale: float = 1.0, shift: float = 0.0) -> View:
    """Input rows, each token's mean and std, and the normalised rows; the changed token's row
    outlined. The text gives that token's numbers and how far its normalised row moved.

    The figure is laid out once (`layer_norm_layout`) and then shows the settings
    (`show_layer_norm`), as the explorer does."""
    figure = layer_norm_layout()
    return View(figure, show_layer_norm(figure, token, scale, shift), whole=True)


def _figure_arguments(token: int, scale: float, shift: float) -> tuple[dict, tuple, dict]:
    d = layer_norm_data(token, scale, shift)
    names = token_names(SOURCE_IDS)
    title = f"token '{names[token]}' scaled by {scale:.2f}, shifted by {shift:+.2f}"
    return d, (d["inputs"], d["mean"], d["std"], d["normalized"], names, FEATURES, token), {"title": title}


@remembered_layout
def layer_norm_layout() -> Figure:
    """The layer-norm picture of the second token unchanged; `show_layer_norm` puts any token,
    scale and shift into it."""
    _, arguments, keywords = _figure_arguments(1, 1.0, 0.0)
    return layer_norm_figure(*arguments, **keywords)


def show_layer_norm(figure: Figure, token: int = 1, scale: float = 1.0, shift: float = 0.0) -> str:
    """Put these settings into `figure` (from `layer_norm_layout()`) in place, and return the
    text of the view."""
    d, arguments, keywords = _figure_arguments(token, scale, shift)
    update_layer_norm(figure, *arguments, **keywords)
    name = arguments[4][token]
    moved = float(np.abs(d["normalized"][token] - d["original"][token]).max())
    return "\n".join([
        f"token '{name}': input row = {scale:.4f} x original row {shift:+.4f}",
        f"input row       {_row(d['inputs'][token])}",
        f"mean, std       {_row([d['mean'][token, 0], d['std'][token, 0]])}",
        f"normalised row  {_row(d['normalized'][token])}",
        f"largest change of the normalised row: {moved:.4f}",
    ])


def layer_norm_explorer():
    """A token menu and sliders for the scale and the shift, above the live view."""
    import ipywidgets as w

    names = token_names(SOURCE_IDS)
    controls = {
        "token": w.Dropdown(options=[(n, i) for i, n in enumerate(names)], value=1, description="token"),
        "scale": w.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="scale"),
        "shift": w.FloatSlider(value=0.0, min=-5.0, max=5.0, step=0.25, description="shift"),
    }
    return explorer(Live(layer_norm_layout, show_layer_norm), controls, "Layer norm: scale or shift one token")


def _row(v: np.ndarray) -> str:
    """Numbers at 4 decimals; rounding first (and + 0.0) keeps tiny negatives from printing as -0.0000."""
    return "[" + "  ".join(f"{x:7.4f}" for x in printable(v)) + "]"
