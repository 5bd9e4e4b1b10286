"""One drawing, two ways in: a control whose figure is updated in place shows, after any sequence
of changes, the same picture as its pure view drawn afresh for the final setting, pixel by pixel,
and as the figure function drawing that setting from scratch; and it keeps one figure while
only the numbers change."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from transformer_lib.figures.attention_steps import attention_steps_figure
from transformer_lib.figures.beam_tree import beam_tree_figure
from transformer_lib.figures.encoder_stack import encoder_stack_figure
from transformer_lib.figures.layer_norm import layer_norm_figure
from transformer_lib.figures.positional_encoding import pe_cell_figure
from transformer_lib.lessons.beam_example import hand_beam_search
from transformer_lib.lessons.toy import SOURCE_IDS, VOCAB, token_names, vocabulary
from transformer_lib.widgets.attention import (
    attention_data,
    attention_explorer,
    attention_view,
    multi_head_explorer,
    multi_head_view,
)
from transformer_lib.widgets.backprop_check import backprop_check_explorer, backprop_check_view
from transformer_lib.widgets.base import Live, canvas_png
from transformer_lib.widgets.beam_tree import beam_tree_explorer, beam_tree_view
from transformer_lib.widgets.cross_attention import cross_attention_explorer, cross_attention_view
from transformer_lib.widgets.embedding_lookup import embedding_lookup_explorer, embedding_lookup_view
from transformer_lib.widgets.encoder_stack import encoder_stack_data, encoder_stack_explorer, encoder_stack_view
from transformer_lib.widgets.layer_norm import FEATURES as LAYER_NORM_FEATURES
from transformer_lib.widgets.layer_norm import layer_norm_data, layer_norm_explorer, layer_norm_view
from transformer_lib.widgets.masked_decoder import masked_decoder_explorer, masked_decoder_view
from transformer_lib.widgets.output_loss import output_loss_explorer, output_loss_view
from transformer_lib.widgets.path_length import path_length_explorer, path_length_view
from transformer_lib.widgets.positional_encoding import (
    positional_encoding_data,
    positional_encoding_explorer,
    positional_encoding_view,
)
from transformer_lib.widgets.relu_units import relu_units_explorer, relu_units_view
from transformer_lib.widgets.sampling import sampling_explorer, sampling_view

TOLERANCE = 8  # largest difference of a colour channel (0-255) that antialiasing may explain


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def assert_same_picture(live_png: bytes, pure_png: bytes) -> None:
    live, pure = pixels(live_png), pixels(pure_png)
    assert live.shape == pure.shape
    difference = np.abs(live - pure).max(axis=-1)
    assert difference.max() <= TOLERANCE, f"{int((difference > TOLERANCE).sum())} pixels differ by up to {difference.max()}"


def drawn_from_scratch(figure, like):
    """`figure`, built by a figure function for one setting, moved into the layout of `like` (the
    live figure): same axes positions and title place, so the pixels compare the drawing alone."""
    assert len(figure.axes) == len(like.axes)
    figure.set_size_inches(like.get_size_inches())
    for ax, reference in zip(figure.axes, like.axes, strict=True):
        ax.set_position(reference.get_position())
    return canvas_png(figure, region_of=like)


def controls(box) -> dict:
    return {control.description: control for control in box.children[1].children}


ATTENTION_CHANGES = [  # (control, value): temperature, head, mask and tokens in place; the weights lay it out again
    ("temperature", 0.3), ("head", (2, 1)), ("causal mask", True), ("temperature", 2.5), ("token 3", 7),
    ("head", (2, 0)), ("temperature", 0.1), ("causal mask", False), ("token 1", 6), ("head", (1, 0)),
    ("temperature", 1.7), ("weights", "trained"), ("temperature", 0.6), ("head", (2, 1)),
]


def attention_state(c: dict) -> dict:
    num_heads, head = c["head"].value
    return dict(tokens=(c["token 1"].value, c["token 2"].value, c["token 3"].value), temperature=c["temperature"].value,
                num_heads=num_heads, head=head, masked=c["causal mask"].value, weights=c["weights"].value)


def test_attention_explorer_updates_one_figure_and_draws_the_pure_view():
    box = attention_explorer()
    c = controls(box)
    figure = box.live_figure()
    for step, (name, value) in enumerate(ATTENTION_CHANGES):
        c[name].value = value
        if name == "weights":
            assert box.live_figure() is not figure  # another vocabulary: a new layout
            figure = box.live_figure()
        else:
            assert box.live_figure() is figure      # same figure, numbers updated in place
        if step % 2 or step == len(ATTENTION_CHANGES) - 1:
            state = attention_state(c)
            view = attention_view(**state)
            assert view.text in box.numbers.value.replace("&lt;", "<").replace("&gt;", ">")
            assert_same_picture(box.image.value, view.png())
            d = attention_data(**state)
            who = "single head" if state["num_heads"] == 1 else f"head {state['head'] + 1} of {state['num_heads']}"
            scratch = attention_steps_figure(d["scores"], d["scaled_scores"], d["weights"], d["output"],
                                             token_names(state["tokens"], vocabulary(state["weights"])),
                                             temperature=state["temperature"],
                                             masked=state["masked"], head_name=f"{state['weights']} {who}")
            assert_same_picture(box.image.value, drawn_from_scratch(scratch, box.live_figure()))


PE_CHANGES = [("position", 7), ("dimension", 5), ("position", 0), ("d_model", 16), ("dimension", 13),
              ("position", 9), ("d_model", 64), ("dimension", 40), ("position", 3), ("d_model", 24),
              ("dimension", 3), ("d_model", 4), ("position", 5), ("d_model", 10)]


def test_positional_encoding_explorer_updates_one_figure_and_draws_the_pure_view():
    box = positional_encoding_explorer()
    c = controls(box)
    figures = {True: box.live_figure()}  # a figure per kind of table: numbers in the cells, or a colour bar
    for name, value in PE_CHANGES:
        c[name].value = value
        annotated = c["d_model"].value <= 16
        figures.setdefault(annotated, box.live_figure())
        assert box.live_figure() is figures[annotated]
        state = dict(position=c["position"].value, dimension=c["dimension"].value, d_model=c["d_model"].value)
        assert_same_picture(box.image.value, positional_encoding_view(**state).png())
        d = positional_encoding_data(**state)
        scratch = pe_cell_figure(d["table"], state["position"], state["dimension"], d["curve_positions"], d["curve"],
                                 d["long_column"], formula=f"{d['function']}(pos / {d['divisor']:.4g})")
        assert_same_picture(box.image.value, drawn_from_scratch(scratch, box.live_figure()))


def settings(box) -> dict:
    return {control.description: control.value for control in box.children[1].children}


LIVE_CONTROLS = {  # name: (explorer, layout inputs, changes (input, value), the pure view of the inputs' values)
    "multi_head": (multi_head_explorer, {"heads"},
                   [("head", 1), ("divide by", "d_model"), ("heads", 6), ("head", 4), ("weights", "trained"),
                    ("heads", 3), ("divide by", "d_k"), ("head", 2), ("heads", 2), ("weights", "untrained")],
                   lambda s: multi_head_view(s["heads"], s["head"], s["divide by"], weights=s["weights"])),
    "output_loss": (output_loss_explorer, {"weights"},
                    [("logits x", 3.0), ("smoothing", 0.2), ("logits x", 0.2), ("weights", "trained"),
                     ("smoothing", 0.45), ("logits x", 8.0), ("weights", "untrained"), ("smoothing", 0.0)],
                    lambda s: output_loss_view(s["logits x"], s["smoothing"], s["weights"])),
    "path_length": (path_length_explorer, set(), [("length n", 3), ("length n", 999), ("length n", 250), ("length n", 2)],
                    lambda s: path_length_view(s["length n"])),
    "embedding_lookup": (embedding_lookup_explorer, set(),
                         [("word 0", 3), ("x sqrt(d_model)", False), ("word 2", 3), ("word 1", 10),
                          ("x sqrt(d_model)", True), ("word 0", 0)],
                         lambda s: embedding_lookup_view(s["word 0"], s["word 1"], s["word 2"], s["x sqrt(d_model)"])),
    "backprop_check": (backprop_check_explorer, {"parameter"},
                       [("backward", "softmax_diagonal"), ("parameter", "generator.bias"), ("backward", "none"),
                        ("parameter", "src_embed.weight"), ("backward", "softmax_diagonal")],
                       lambda s: backprop_check_view(s["parameter"], s["backward"])),
    "relu_units": (relu_units_explorer, set(),
                   [("input x", -1.5), ("token", 2), ("b1 +", 0.6), ("input x", 2.0), ("token", 0), ("b1 +", -1.0)],
                   lambda s: relu_units_view(s["token"], s["input x"], s["b1 +"])),
    "sampling": (sampling_explorer, set(),
                 [("temperature", 0.3), ("top-k (0 off)", 3), ("seed", 7), ("top-p", 0.5), ("top-k (0 off)", 0),
                  ("temperature", 2.5), ("top-p", 1.0), ("seed", 2)],
                 lambda s: sampling_view(s["temperature"], s["top-k (0 off)"], s["top-p"], s["seed"])),
    "masked_decoder": (masked_decoder_explorer, {"weights"},
                       [("new token", 3), ("causal mask", False), ("position to change", 1), ("weights", "trained"),
                        ("new token", 20), ("causal mask", True), ("position to change", 0), ("weights", "untrained")],
                       lambda s: masked_decoder_view(s["position to change"], s["new token"], s["causal mask"],
                                                     weights=s["weights"])),
    "cross_attention": (cross_attention_explorer, {"weights"},
                        [("head", 1), ("word 3", 7), ("head", 0), ("weights", "trained"), ("head", 1),
                         ("word 2", 12), ("head", 0), ("weights", "untrained")],
                        lambda s: cross_attention_view(s["word 1"], s["word 2"], s["word 3"], s["head"],
                                                       weights=s["weights"])),
    "layer_norm": (layer_norm_explorer, set(),
                   [("scale", 4.0), ("token", 2), ("shift", -3.5), ("scale", 0.1), ("token", 0), ("shift", 5.0),
                    ("scale", 1.0), ("shift", 0.0)],
                   lambda s: layer_norm_view(s["token"], s["scale"], s["shift"])),
    "encoder_stack": (encoder_stack_explorer, {"layers N", "weights"},  # trained weights: the slider stops at 1
                      [("head", 1), ("layers N", 5), ("head", 0), ("weights", "trained"), ("head", 1),
                       ("weights", "untrained"), ("layers N", 3), ("head", 0)],
                      lambda s: encoder_stack_view(s["layers N"], s["head"], s["weights"])),
    "beam_tree": (beam_tree_explorer, {"beam width"},
                  [("alpha", 1.0), ("step", 2), ("beam width", 4), ("alpha", 0.3), ("step", 4), ("beam width", 1),
                   ("alpha", 1.5), ("step", 1), ("beam width", 3), ("step", 3), ("alpha", 0.7)],
                  lambda s: beam_tree_view(s["beam width"], s["alpha"], s["step"])),
}


def layer_norm_from_scratch(s: dict):
    d, names = layer_norm_data(s["token"], s["scale"], s["shift"]), token_names(SOURCE_IDS)
    return layer_norm_figure(d["inputs"], d["mean"], d["std"], d["normalized"], names, LAYER_NORM_FEATURES,
                             s["token"], title=f"token '{names[s['token']]}' scaled by {s['scale']:.2f}, "
                                               f"shifted by {s['shift']:+.2f}")


def encoder_stack_from_scratch(s: dict):
    out, trace = encoder_stack_data(s["layers N"], weights=s["weights"])
    maps = [trace[f"layers.{i}.self_attn.weights"][0, s["head"]] for i in range(s["layers N"])]
    return encoder_stack_figure(maps, out[0], token_names(SOURCE_IDS), s["head"], s["weights"])


def beam_tree_from_scratch(s: dict):
    alpha = round(s["alpha"], 4)
    result = hand_beam_search(s["beam width"], alpha)
    shown = min(s["step"], len(result.steps))
    return beam_tree_figure(result, VOCAB, step=shown,
                            title=f"beam width {s['beam width']}, alpha {alpha:.2f}: step {shown} of {len(result.steps)}")


FROM_SCRATCH = {  # name: the figure function drawing the inputs' values on a new figure
    "layer_norm": layer_norm_from_scratch, "encoder_stack": encoder_stack_from_scratch,
    "beam_tree": beam_tree_from_scratch,
}


@pytest.mark.parametrize("name", sorted(LIVE_CONTROLS))
def test_a_live_control_shows_its_pure_view_after_a_sequence_of_changes(name):
    assert_live_control_shows_its_pure_view(*LIVE_CONTROLS[name], scratch=FROM_SCRATCH.get(name))


def assert_live_control_shows_its_pure_view(build, layout_inputs: set, changes: list, pure, scratch=None) -> None:
    """After every second change (and the last), the live picture and numbers equal the pure
    view of the controls' values, and the figure `scratch` (if given) draws for them on a new
    figure; the live figure is one per layout, kept while only numbers change."""
    box = build()
    c = controls(box)
    for step, (description, value) in enumerate(changes):
        figure = box.live_figure()
        c[description].value = value
        assert (box.live_figure() is figure) == (description not in layout_inputs)
        if step % 2 or step == len(changes) - 1:
            view = pure(settings(box))
            assert view.text in box.numbers.value.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
            assert_same_picture(box.image.value, view.png())
            if scratch is not None:
                figure = scratch(settings(box))
                assert_same_picture(box.image.value, drawn_from_scratch(figure, box.live_figure()))
                plt.close(figure)


PREPARED = sorted(name for name, (_, layout_inputs, _, _) in LIVE_CONTROLS.items() if layout_inputs)


@pytest.mark.parametrize("name", PREPARED)
def test_a_control_with_its_layouts_prepared_builds_none_at_a_move_and_draws_the_same_picture(name, monkeypatch):
    """What idle time prepares is what a move would build: after `prepare_layouts`, the same
    sequence of changes builds no figure and shows every pure view pixel by pixel."""
    build, layout_inputs, changes, pure = LIVE_CONTROLS[name]
    builds = []
    original = Live.build
    monkeypatch.setattr(Live, "build", lambda self, settings: builds.append(dict(settings)) or original(self, settings))

    def prepared():
        box = build()
        assert box.prepare_layouts() >= 1 and box.prepare_layouts() == 0  # all of them, once
        builds.clear()
        return box

    assert_live_control_shows_its_pure_view(prepared, layout_inputs, changes, pure, scratch=FROM_SCRATCH.get(name))
    assert builds == []
