"""A live figure's picture after changes in place (`redrawn_png`: the kept static part, the
changing artists painted over it) is the picture a full draw of the same figure gives, and the
picture of a figure built afresh for the final state: nothing left over from an earlier state,
nothing missing, and the static part painted again only where it changes."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from transformer_lib.widgets.base import _BACKDROPS, _SHOWN_REGION, RIGHT_ROOM_INCHES, canvas_png, laid_out, redrawn_png


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def assert_same(a: bytes, b: bytes) -> None:
    first, second = pixels(a), pixels(b)
    assert first.shape == second.shape
    difference = np.abs(first - second).max()
    assert difference == 0, f"{int((np.abs(first - second).max(axis=-1) > 0).sum())} pixels differ by up to {difference}"


def picture(state: dict):
    """A figure of two panels: an image with a colour bar and cell texts, and a line plot with a
    marker, a title and an outline patch, drawn for `state` (image, line, marker, title)."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(6, 3))
    image = left.imshow(state["image"], cmap="RdBu_r")
    figure.colorbar(image, ax=left)
    for (r, c), value in np.ndenumerate(state["image"]):
        left.text(c, r, f"{value:.1f}", ha="center", va="center", fontsize=8)
    right.plot(state["line"], gid="line")
    right.plot(*state["marker"], "o", gid="marker")
    right.add_patch(plt.Rectangle(state["marker"], 0.5, 0.5, fill=False))
    right.set_title(state["title"])
    figure.suptitle("two panels")
    return figure


def update(figure, state: dict) -> None:
    """`picture(state)` shown in place in a figure `picture` drew."""
    left, right = figure.axes[:2]
    image = left.images[0]
    image.set_data(state["image"])
    image.set_clim(state["image"].min(), state["image"].max())
    for text, value in zip(left.texts, state["image"].ravel(), strict=True):
        text.set_text(f"{value:.1f}")
    lines = {line.get_gid(): line for line in right.lines}
    lines["line"].set_ydata(state["line"])
    lines["marker"].set_data(*([v] for v in state["marker"]))
    right.patches[0].remove()  # a moved outline: the old one must not stay in the picture
    right.add_patch(plt.Rectangle(state["marker"], 0.5, 0.5, fill=False))
    right.set_title(state["title"])
    right.relim()
    right.autoscale_view()


STATES = [
    {"image": np.arange(6.0).reshape(2, 3), "line": [0.0, 1, 0.5, 2], "marker": (1, 1), "title": "first"},
    {"image": np.arange(6.0).reshape(2, 3) * 0.5, "line": [0.0, 1, 0.5, 2], "marker": (2, 0.4), "title": "second"},
    {"image": -np.arange(6.0).reshape(2, 3), "line": [0.0, 1.5, 0.4, 2], "marker": (0, 0), "title": "third"},
    {"image": -np.arange(6.0).reshape(2, 3), "line": [0.0, 10, -4, 30], "marker": (3, 30), "title": "fourth: new y ticks"},
]


@pytest.mark.parametrize("final", range(1, len(STATES)))
def test_changes_in_place_draw_what_a_fresh_figure_draws(final):
    live = laid_out(picture(STATES[0]))
    redrawn_png(live)
    for state in STATES[1:final + 1]:
        update(live, state)
        live_png = redrawn_png(live)
    assert_same(live_png, canvas_png(live))  # the same figure drawn whole
    fresh = picture(STATES[final])
    fresh.set_size_inches(live.get_size_inches())
    assert_same(live_png, canvas_png(fresh, region_of=live))  # a figure built for the final state
    plt.close("all")


def test_the_static_part_is_painted_again_only_where_it_changes():
    live = laid_out(picture(STATES[0]))
    redrawn_png(live)
    backdrop = _BACKDROPS[live]
    assert (backdrop.full_paints, backdrop.partial_paints) == (1, 0)  # the static part, once
    update(live, STATES[1])
    redrawn_png(live)
    assert (backdrop.full_paints, backdrop.partial_paints) == (1, 1)  # the colour bar's ticks moved: its rectangle
    update(live, dict(STATES[1], title="new title, the same ticks"))
    redrawn_png(live)
    assert (backdrop.full_paints, backdrop.partial_paints) == (1, 1)
    update(live, STATES[3])  # the colour bar's ticks and the line plot's y ticks change
    assert_same(redrawn_png(live), canvas_png(live))
    assert (backdrop.full_paints, backdrop.partial_paints) == (1, 2)
    live.set_size_inches(6.5, 3)  # a new size moves everything: painted whole
    assert_same(redrawn_png(live), canvas_png(live))
    assert backdrop.full_paints == 2
    plt.close("all")


def two_colour_bars(left_scale: float, right_scale: float):
    """Two images side by side, each with its colour bar: their tick labels grow and shrink
    with the scales (100000 writes six digits, 0.5 three), close to each other's axes."""
    figure, axes = plt.subplots(1, 2, figsize=(6, 2.5), layout="constrained")
    for ax, scale in zip(axes, (left_scale, right_scale), strict=True):
        figure.colorbar(ax.imshow(np.arange(6.0).reshape(2, 3) * scale, cmap="Blues"), ax=ax)
    return figure


def set_scales(figure, left_scale: float, right_scale: float) -> None:
    for ax, scale in zip(figure.axes[:2], (left_scale, right_scale), strict=True):
        data = np.arange(6.0).reshape(2, 3) * scale
        ax.images[0].set_data(data)
        ax.images[0].set_clim(data.min(), data.max())


def test_a_colour_bar_whose_ticks_change_leaves_no_stale_pixels_while_the_other_changes():
    """Each step changes one colour bar, the other, or both, to longer or shorter tick labels: the
    picture is a full draw's at every step (an old, wider label erased, a neighbour kept)."""
    live = laid_out(two_colour_bars(1.0, 1.0))
    redrawn_png(live)
    for left_scale, right_scale in [(100000.0, 1.0), (100000.0, 0.5), (1.0, 0.5), (3.0, 100000.0), (0.5, 0.5),
                                    (0.5, 0.5), (100000.0, 100000.0), (1.0, 1.0)]:
        set_scales(live, left_scale, right_scale)
        assert_same(redrawn_png(live), canvas_png(live))
    assert _BACKDROPS[live].full_paints == 1
    fresh = two_colour_bars(1.0, 1.0)
    fresh.set_size_inches(live.get_size_inches())
    fresh.set_layout_engine("none")
    for ax, reference in zip(fresh.axes, live.axes, strict=True):
        ax.set_position(reference.get_position())
    assert_same(redrawn_png(live), canvas_png(fresh, region_of=live))
    plt.close("all")


def test_an_axis_that_reaches_into_a_frame_is_painted_with_the_changing_artists():
    """Tick labels that grow over the neighbouring panel are no longer static: the static part is
    painted whole again, without them, and they are painted in the order of a full draw."""
    figure, (left, right) = plt.subplots(1, 2, figsize=(5, 2.5))
    figure.subplots_adjust(wspace=0.15)
    for ax in (left, right):
        ax.plot([0, 1, 2], [2, 0, 1])
    right.set_yticks([0, 1, 2], labels=["a", "b", "c"])
    live = laid_out(figure)
    redrawn_png(live)
    backdrop = _BACKDROPS[live]
    right.set_yticks([0, 1, 2], labels=["a label far too long", "b", "c"])
    assert_same(redrawn_png(live), canvas_png(live))
    assert backdrop.full_paints == 2
    assert id(right.yaxis) not in backdrop.static_axes
    right.set_yticks([0, 1, 2], labels=["x", "y", "z"])
    assert_same(redrawn_png(live), canvas_png(live))
    plt.close("all")


def test_a_tick_label_that_changes_colour_is_painted_again():
    live = laid_out(picture(STATES[0]))
    redrawn_png(live)
    live.axes[1].get_xticklabels()[1].set_color("#a0a0a0")  # greyed, as the sampling control greys tokens
    assert_same(redrawn_png(live), canvas_png(live))
    plt.close("all")


def fits_with_room(figure) -> bool:
    """Whether the content of `figure`, and `RIGHT_ROOM_INCHES` beside it, lie on its canvas."""
    content = figure.get_tightbbox(figure.canvas.get_renderer())
    width, height = figure.get_size_inches()
    return content.x0 >= 0 and content.y0 >= 0 and content.x1 + RIGHT_ROOM_INCHES <= width and content.y1 <= height


def wide_figure_of_two_colour_bars():
    """`two_colour_bars` laid out in the middle 80 % of the figure's width: its content and the
    room on the right lie on the canvas, so `laid_out` has nothing to confine."""
    figure = two_colour_bars(100000.0, 0.5)
    figure.get_layout_engine().set(rect=(0.1, 0, 0.8, 1))
    return figure


@pytest.mark.parametrize("build", [lambda: picture(STATES[0]), wide_figure_of_two_colour_bars],
                         ids=["panels with a colour bar and a title", "two colour bars, constrained layout"])
def test_laid_out_places_the_axes_where_a_first_draw_places_them(build):
    """`laid_out` runs the layout engine without painting: the axes land where the first full draw
    puts them, the region is the content a drawn figure measures, and the pictures are the same."""
    live = laid_out(build())
    assert fits_with_room(live)
    drawn = build()
    drawn.canvas.draw()  # the layout engine runs inside the draw
    drawn.set_layout_engine("none")
    assert [ax.get_position().bounds for ax in live.axes] == [ax.get_position().bounds for ax in drawn.axes]
    content = drawn.get_tightbbox(drawn.canvas.get_renderer()).padded(0.1)
    region = _SHOWN_REGION[live]
    assert region.x0 <= content.x0 < region.x0 + 0.01 and region.y0 <= content.y0 < region.y0 + 0.01
    assert region.y1 - 0.01 < content.y1 <= region.y1
    assert_same(canvas_png(live), canvas_png(drawn, region_of=live))
    plt.close("all")


def test_laid_out_keeps_a_constrained_layout_and_the_room_for_its_labels_to_grow_on_the_canvas():
    """A constrained layout fills its figure, colour bars' labels reach the right edge, and no draw
    paints past the canvas: `laid_out` confines the layout so that the content and
    `RIGHT_ROOM_INCHES` beside it lie on the canvas, and labels that grow into that room are
    painted whole."""
    crowded = two_colour_bars(100000.0, 0.5)
    crowded.canvas.draw()
    assert not fits_with_room(crowded)  # as a first draw lays it out
    live = laid_out(two_colour_bars(100000.0, 0.5))
    assert fits_with_room(live)
    width = live.get_size_inches()[0]
    before = live.get_tightbbox(live.canvas.get_renderer()).x1
    set_scales(live, 100000.0, -1000.5)  # the right colour bar's labels gain a minus sign and digits
    assert_same(redrawn_png(live), canvas_png(live))
    grown = live.get_tightbbox(live.canvas.get_renderer()).x1
    assert before < grown <= width
    plt.close("all")
