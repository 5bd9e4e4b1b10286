"""The backpropagation explorer: choose a parameter of the running example's model and a
backward pass (the package's, or one with a classic mistake), and see the gradient that
backpropagation gives beside the one centred differences measure, and their difference.

A right backward agrees to about 1e-9 everywhere. A mistake spoils the gradients computed after
it in the backward order (the parameters closer to the input) and leaves the others right."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ..figures.gradient_check import gradient_check_figure, update_gradient_check
from ..lessons.backward_mistakes import MISTAKES, loss_gradients
from ..lessons.toy import DECODER_INPUT_IDS, SOURCE_IDS, TARGET_IDS, VOCAB, toy_model
from ..model.loss import CrossEntropyLoss
from ..training.gradcheck import numerical_gradient, relative_error
from .base import Live, View, explorer, remembered_layout

# The parameters offered, from the output back to the input (the backward order).
PARAMETERS: tuple[str, ...] = (
    "generator.weight",
    "generator.bias",
    "decoder.layers.0.norm3.gamma",
    "decoder.layers.0.ffn.linear2.bias",
    "decoder.layers.0.norm2.gamma",
    "decoder.layers.0.cross_attn.w_v.weight",
    "decoder.layers.0.cross_attn.w_q.weight",
    "decoder.layers.0.cross_attn.w_k.bias",
    "decoder.layers.0.self_attn.w_q.weight",
    "encoder.layers.0.self_attn.w_q.weight",
    "tgt_embed.weight",
    "src_embed.weight",
)
AGREE = 1e-6          # relative error below this: backprop and centred differences agree
ZERO = 1e-7           # both gradients smaller than this: 0 up to rounding (h = 1e-6 differences)
_BATCH = (SOURCE_IDS[None], DECODER_INPUT_IDS[None], TARGET_IDS[None])


@lru_cache(maxsize=len(MISTAKES))
def _backprop(mistake: str) -> dict[str, np.ndarray]:
    return loss_gradients(toy_model(seed=0), *_BATCH, mistake=mistake)


@lru_cache(maxsize=len(PARAMETERS))
def _numerical(parameter: str) -> np.ndarray:
    model = toy_model(seed=0)
    src, tgt_input, target = _BATCH
    return numerical_gradient(lambda: CrossEntropyLoss().forward(model.forward(src, tgt_input), target),
                              model.parameters()[parameter])


def backprop_check_data(parameter: str = "decoder.layers.0.cross_attn.w_q.weight",
                        mistake: str = "none") -> dict[str, np.ndarray | float]:
    """The gradient of the running example's loss with respect to `parameter`, by
    backpropagation with `mistake` (a key of `MISTAKES`) and by centred differences.

    Returns ``backprop`` and ``numerical`` (the parameter's shape), ``difference`` (their
    difference) and ``relative_error`` (`gradcheck.relative_error`)."""
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter must be one of {PARAMETERS}, got {parameter!r}")
    backprop, numerical = _backprop(mistake)[parameter], _numerical(parameter)
    return {"backprop": backprop, "numerical": numerical, "difference": backprop - numerical,
            "relative_error": relative_error(backprop, numerical)}


def _labels(parameter: str, shape: tuple[int, ...]) -> tuple[list[str], list[str]]:
    """Row and column labels of a parameter drawn as a matrix (vectors as one row)."""
    def features(n):
        return [f"f{i}" for i in range(n)]
    if len(shape) == 1:
        columns = list(VOCAB) if parameter == "generator.bias" else features(shape[0])
        return [""], columns
    if parameter.endswith("_embed.weight"):
        return list(VOCAB), features(shape[1])
    return features(shape[0]), (list(VOCAB) if parameter == "generator.weight" else features(shape[1]))


def backprop_check_view(parameter: str = "decoder.layers.0.cross_attn.w_q.weight", mistake: str = "none") -> View:
    """Backprop's gradient, the numerical gradient and their difference as heatmaps on one
    colour scale; the text gives the relative error and the verdict.

    The figure is laid out for the parameter (`backprop_check_layout`) and then shows the
    backward pass (`show_backprop_check`), as the explorer does."""
    figure = backprop_check_layout(parameter)
    return View(figure, show_backprop_check(figure, parameter, mistake), whole=True)


def _figure_arguments(parameter: str, mistake: str) -> tuple:
    d = backprop_check_data(parameter, mistake)
    rows, cols = _labels(parameter, d["backprop"].shape)
    return d["backprop"], d["numerical"], rows, cols, f"dLoss / d {parameter}  ({MISTAKES[mistake].split(':')[0]})"


@remembered_layout
def backprop_check_layout(parameter: str = "decoder.layers.0.cross_attn.w_q.weight") -> Figure:
    """The gradient check, with the right backward pass, of the parameter that lays out
    `parameter`'s picture (`layout_parameter`); `show_backprop_check` puts any backward pass of
    `parameter` into it."""
    return gradient_check_figure(*_figure_arguments(layout_parameter(parameter), "none"))


def layout_parameter(parameter: str) -> str:
    """The first of `PARAMETERS` drawn with the same shape and labels as `parameter`: their
    pictures differ in numbers and title only, so they share one layout (the 12 parameters
    need 5)."""
    if parameter not in PARAMETERS:
        raise ValueError(f"parameter must be one of {PARAMETERS}, got {parameter!r}")
    return next(other for other in PARAMETERS if _drawn_as(other) == _drawn_as(parameter))


@lru_cache(maxsize=len(PARAMETERS))
def _drawn_as(parameter: str) -> tuple:
    shape = toy_model(seed=0).parameters()[parameter].shape
    return shape, _labels(parameter, shape)


def show_backprop_check(figure: Figure, parameter: str = "decoder.layers.0.cross_attn.w_q.weight",
                        mistake: str = "none") -> str:
    """Put the gradients of `parameter` by the backward pass `mistake` into `figure` (from
    `backprop_check_layout(parameter)`) in place, and return the text of the view."""
    update_gradient_check(figure, *_figure_arguments(parameter, mistake))
    d = backprop_check_data(parameter, mistake)
    largest = float(max(np.abs(d["backprop"]).max(), np.abs(d["numerical"]).max()))
    error = d["relative_error"]
    if largest < ZERO:
        verdict = (f"both gradients are 0 up to rounding (largest entry < {ZERO:.0e}): the parameter does not "
                   "change the loss, and the relative error of rounding noise means nothing")
    elif error < AGREE:
        verdict = f"relative error < {AGREE:.0e}: backpropagation and centred differences agree"
    else:
        verdict = f"relative error {error:.4f}: the backward pass is WRONG for this parameter"
    return "\n".join([
        f"parameter: {parameter} {d['backprop'].shape}",
        f"backward: {MISTAKES[mistake]}",
        f"largest |gradient| (centred differences): {np.abs(d['numerical']).max():.4f}",
        verdict,
    ])


def backprop_check_explorer():
    """Menus for the parameter and the backward pass, above the live view."""
    import ipywidgets as w

    controls = {
        "parameter": w.Dropdown(options=list(PARAMETERS), value="decoder.layers.0.cross_attn.w_q.weight",
                                description="parameter", layout=w.Layout(width="430px")),
        "mistake": w.Dropdown(options=[(text.split(":")[0], key) for key, text in MISTAKES.items()], value="none",
                              description="backward", layout=w.Layout(width="430px")),
    }
    picture = Live(backprop_check_layout, show_backprop_check, layout_settings=("parameter",),
                   layout_key=layout_parameter,
                   reachable=tuple({"parameter": parameter} for parameter in PARAMETERS))
    return explorer(picture, controls, "Backpropagation against centred differences")
