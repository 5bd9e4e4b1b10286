"""The layer-norm explorer: scale or shift one token's features and watch its normalised row
stay put. Layer normalisation subtracts the token's own mean and divides by its own standard
deviation, so (x * a + b) normalises to the same vector as x for any a > 0, up to the small
epsilon under the square root."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..figures.layer_norm import layer_norm_figure
from ..lessons.toy import SOURCE_IDS, running_example, token_names
from ..model.layer_norm import LayerNorm
from .base import View, explorer, printable

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
    outlined. The text gives that token's numbers and how far its normalised row moved."""
    d = layer_norm_data(token, scale, shift)
    names = token_names(SOURCE_IDS)
    fig = layer_norm_figure(d["inputs"], d["mean"], d["std"], d["normalized"], names, FEATURES, token,
                            title=f"token '{names[token]}' scaled by {scale:.2f}, shifted by {shift:+.2f}")
    moved = float(np.abs(d["normalized"][token] - d["original"][token]).max())
    text = "\n".join([
        f"token '{names[token]}': input row = {scale:.4f} x original row {shift:+.4f}",
        f"input row       {_row(d['inputs'][token])}",
        f"mean, std       {_row([d['mean'][token, 0], d['std'][token, 0]])}",
        f"normalised row  {_row(d['normalized'][token])}",
        f"largest change of the normalised row: {moved:.4f}",
    ])
    return View(fig, text)


def layer_norm_explorer():
    """A token menu and sliders for the scale and the shift, above the live view."""
    import ipywidgets as w

    names = token_names(SOURCE_IDS)
    controls = {
        "token": w.Dropdown(options=[(n, i) for i, n in enumerate(names)], value=1, description="token"),
        "scale": w.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="scale"),
        "shift": w.FloatSlider(value=0.0, min=-5.0, max=5.0, step=0.25, description="shift"),
    }
    return explorer(layer_norm_view, controls, "Layer norm: scale or shift one token")


def _row(v: np.ndarray) -> str:
    """Numbers at 4 decimals; rounding first (and + 0.0) keeps tiny negatives from printing as -0.0000."""
    return "[" + "  ".join(f"{x:7.4f}" for x in printable(v)) + "]"
