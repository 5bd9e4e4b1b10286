"""A control's layout built once (`remembered_layout`): asked again with the same arguments, it
gives a new figure with the same pixels and region, untouched by what was shown in the first;
arguments that cannot name a figure build it each time; only the latest layouts are kept."""

import matplotlib.pyplot as plt
import numpy as np

from transformer_lib.widgets import base
from transformer_lib.widgets.attention import attention_layout, show_attention
from transformer_lib.widgets.base import canvas_png, remembered_layout


def test_the_same_layout_again_is_a_new_figure_with_the_same_pixels(monkeypatch):
    monkeypatch.setattr(base, "_REMEMBERED", {})
    first = attention_layout(0, "untrained")
    expected = canvas_png(first)
    show_attention(first, (1, 2, 3), temperature=2.0)  # the first figure changes; its copy must not
    again = attention_layout(weights="untrained")       # the same arguments, named otherwise
    assert again is not first and len(base._REMEMBERED) == 1
    assert canvas_png(again) == expected
    assert base._SHOWN_REGION[again] == base._SHOWN_REGION[first]
    plt.close("all")


def test_arguments_that_name_no_figure_build_it_each_time_and_only_the_latest_are_kept(monkeypatch):
    monkeypatch.setattr(base, "_REMEMBERED", {})
    monkeypatch.setattr(base, "LAYOUTS_REMEMBERED", 2)
    built = []

    @remembered_layout
    def layout(values=(1.0,)):
        built.append(values)
        figure = plt.figure(figsize=(2, 1))
        figure.add_subplot().plot(np.asarray(values))
        return figure

    layout(np.array([1.0, 2.0]))
    layout(np.array([1.0, 2.0]))
    assert len(built) == 2 and not base._REMEMBERED  # an array: built each time
    for values in [(1.0,), (2.0,), (1.0,), (3.0,), (2.0,)]:
        layout(values)
    assert built[2:] == [(1.0,), (2.0,), (3.0,), (2.0,)]  # (1.0,) kept as the latest used; (2.0,) was dropped
    assert len(base._REMEMBERED) == 2
    plt.close("all")


def test_the_colours_of_a_copy_follow_its_numbers_as_a_built_figure_does(monkeypatch):
    monkeypatch.setattr(base, "_REMEMBERED", {})
    attention_layout(0, "untrained")
    copy, built = attention_layout(0, "untrained"), base.laid_out(attention_layout.__wrapped__(0, "untrained"))
    for figure in (copy, built):
        show_attention(figure, (1, 2, 3), temperature=0.3, num_heads=2, head=1)  # other colour limits
    assert canvas_png(copy) == canvas_png(built)
    plt.close("all")


def test_figures_that_cannot_be_kept_or_linked_again_are_built_each_time(monkeypatch):
    monkeypatch.setattr(base, "_REMEMBERED", {})
    monkeypatch.setattr(base, "_REMEMBERING", [True])

    @remembered_layout
    def layout():
        figure = plt.figure(figsize=(2, 1))
        figure.unpicklable = lambda: None
        return figure

    layout()
    assert not base._REMEMBERED  # a lambda cannot be pickled: nothing kept

    def another_matplotlib(figure):
        raise AttributeError("no _colorizer here")

    monkeypatch.setattr(base, "_with_colour_bars_linked", another_matplotlib)
    attention_layout(0, "untrained")
    again = attention_layout(0, "untrained")  # cannot be linked up again: built
    assert base._SHOWN_REGION[again] and not base._REMEMBERED and not base._REMEMBERING
    plt.close("all")


def test_a_control_keeps_the_layouts_it_moves_to_itself_and_uses_those_kept_before(monkeypatch):
    monkeypatch.setattr(base, "_REMEMBERED", {})
    from transformer_lib.widgets.encoder_stack import encoder_stack_explorer, encoder_stack_layout

    encoder_stack_layout(3, "untrained")  # a static view of 3 layers, shown above the control
    kept = dict(base._REMEMBERED)
    box = encoder_stack_explorer()        # its first figure, 2 layers, is kept for the next static view
    layers = box.children[1].children[0]
    assert len(base._REMEMBERED) == 2
    layers.value = 3                      # a layout kept before: a copy of it
    layers.value = 5                      # a new layout: built, not pickled
    assert len(base._REMEMBERED) == 2 and all(key in base._REMEMBERED for key in kept)
    layers.value = 3
    assert base._KEEPING_NEW == [True]    # keeping is back on outside the control's builds
    encoder_stack_layout(4, "untrained")
    assert len(base._REMEMBERED) == 3
    plt.close("all")


def test_a_control_leaves_no_figure_for_the_notebook_to_show_again():
    from transformer_lib.widgets.encoder_stack import encoder_stack_explorer

    plt.close("all")
    box = encoder_stack_explorer()         # the first layout
    assert plt.get_fignums() == []
    box.children[1].children[0].value = 4  # a layout it moves to
    assert plt.get_fignums() == []
