"""The training scrubber: a slider over training steps that shows one decoder layer's
cross-attention on a fixed reversal example as it was at that step (snapshots recorded by
`snapshots.AttentionRecorder`). Before training the maps are blurred; as the loss falls each
output position learns to read the mirrored source position, and an anti-diagonal appears."""

from __future__ import annotations

from functools import partial

from matplotlib.figure import Figure

from ..figures.training import attention_heads_figure, update_attention_heads
from ..lessons.reversal import lengths_of, mirror_weight, token_names
from ..lessons.snapshots import AttentionSnapshots
from .base import Live, View, explorer, printable, remembered_layout


def scrubber_data(snapshots: AttentionSnapshots, step: int, layer: int) -> dict:
    """The snapshot at (or last before) `step` for decoder layer `layer`.

    Returns ``step`` (the snapshot's own step), ``index``, ``weights`` (h, Tt, Ts), ``loss``,
    ``prediction`` (Tt,) ids, ``correct`` (Tt,) bool, and ``mirror_weight`` (h,): each head's
    mean weight, over the decoder positions that output content, on the mirrored source
    position (`reversal.mirror_weight`), 1 for a perfect anti-diagonal."""
    i = snapshots.index(step)
    weights = snapshots.weights[f"decoder.layers.{layer}.cross_attn.weights"][i]
    length = int(lengths_of(snapshots.src[None])[0]) - 1  # the source ends with <eos>
    prediction = snapshots.predictions[i]
    return {"step": snapshots.steps[i], "index": i, "weights": weights, "loss": snapshots.losses[i],
            "prediction": prediction, "correct": prediction == snapshots.tgt_out,
            "mirror_weight": mirror_weight(weights, length)}


def training_scrubber_view(step: int = 0, layer: int = 1, *, snapshots: AttentionSnapshots) -> View:
    """Every head's cross-attention of decoder layer `layer` (0-based) at training `step`,
    rows the decoder input, columns the source, with the example's loss and predictions.

    The figure is laid out once for the snapshots' example (`training_scrubber_layout`) and
    then shows the step and layer (`show_training_scrubber`), as the explorer does."""
    figure = training_scrubber_layout(snapshots)
    return View(figure, show_training_scrubber(figure, step, layer, snapshots=snapshots), whole=True)


def _figure_arguments(snapshots: AttentionSnapshots, step: int, layer: int) -> tuple[dict, tuple, dict]:
    d = scrubber_data(snapshots, step, layer)
    heads = [f"head {h + 1}: {w:.2f} on mirror" for h, w in enumerate(d["mirror_weight"])]
    title = (f"decoder layer {layer + 1} cross-attention after step {d['step']} of {snapshots.steps[-1]}"
             f" (example loss {d['loss']:.4f})")
    return d, (d["weights"],), {"title": title, "head_titles": heads}


@remembered_layout
def training_scrubber_layout(snapshots: AttentionSnapshots) -> Figure:
    """The first decoder layer's cross-attention before training; its layout depends on the
    example alone (every layer has as many heads), so `show_training_scrubber` puts any step
    and layer into it."""
    _, (weights,), keywords = _figure_arguments(snapshots, snapshots.steps[0], 0)
    return attention_heads_figure(weights, token_names(snapshots.tgt_in), token_names(snapshots.src), **keywords)


def show_training_scrubber(figure: Figure, step: int = 0, layer: int = 1, *, snapshots: AttentionSnapshots) -> str:
    """Put the snapshot at `step` of decoder layer `layer` into `figure` (from
    `training_scrubber_layout(snapshots)`) in place, and return the text of the view."""
    d, arguments, keywords = _figure_arguments(snapshots, step, layer)
    update_attention_heads(figure, *arguments, **keywords)
    predicted = token_names(d["prediction"])
    return "\n".join([
        f"step {d['step']} of {snapshots.steps[-1]} (snapshot {d['index'] + 1} of {len(snapshots)}), "
        f"example loss {d['loss']:.4f}",
        f"source:    {' '.join(token_names(snapshots.src))}",
        f"expected:  {' '.join(token_names(snapshots.tgt_out))}",
        f"predicted: {' '.join(predicted)}  ({int(d['correct'].sum())} of {len(predicted)} right)",
        f"layer {layer + 1}, mean weight on the mirrored source position per head: "
        + " ".join(f"{w:.4f}" for w in printable(d["mirror_weight"])),
    ])


def training_scrubber_explorer(snapshots: AttentionSnapshots, layer: int = 1):
    """A step slider (one stop per snapshot) and a layer toggle above the live view."""
    import ipywidgets as w

    steps = snapshots.steps
    every = steps[1] - steps[0] if len(steps) > 1 else 1
    layers = len([n for n in snapshots.weights if n.endswith("cross_attn.weights")])
    controls = {
        "step": w.IntSlider(value=steps[0], min=steps[0], max=steps[-1], step=every, description="step",
                            continuous_update=False, layout=w.Layout(width="420px")),
        "layer": w.ToggleButtons(options=[(f"layer {i + 1}", i) for i in range(layers)], value=layer,
                                 description="decoder layer", style={"description_width": "initial"}),
    }
    picture = Live(partial(training_scrubber_layout, snapshots), partial(show_training_scrubber, snapshots=snapshots))
    return explorer(picture, controls, "Training scrubber: cross-attention as it forms")
