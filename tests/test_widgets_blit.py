"""A live figure's picture after changes in place (`redrawn_png`: the kept static part, the
changing artists painted over it) is the picture a full draw of the same figure gives, and the
picture of a figure built afresh for the final state: nothing left over from an earlier state,
nothing missing, and the static part painted again only when it changes."""

import io

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from transformer_lib.widgets.base import canvas_png, laid_out, redrawn_png


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


def test_the_static_part_is_painted_again_only_when_it_changes(monkeypatch):
    live = laid_out(picture(STATES[0]))
    draws = []
    canvas = live.canvas
    full_draw = canvas.draw
    monkeypatch.setattr(canvas, "draw", lambda: draws.append(1) or full_draw())
    redrawn_png(live)
    assert len(draws) == 1  # the static part, once
    update(live, STATES[1])
    redrawn_png(live)
    assert len(draws) == 2  # the colour bar's ticks moved: painted again, that axis now among the changing
    update(live, STATES[2])
    redrawn_png(live)  # new numbers, the same ticks
    update(live, STATES[1])
    redrawn_png(live)
    assert len(draws) == 2
    update(live, STATES[3])  # the line plot's y ticks change
    redrawn_png(live)
    assert len(draws) == 3
    plt.close("all")


def test_a_tick_label_that_changes_colour_is_painted_again():
    live = laid_out(picture(STATES[0]))
    redrawn_png(live)
    live.axes[1].get_xticklabels()[1].set_color("#a0a0a0")  # greyed, as the sampling control greys tokens
    assert_same(redrawn_png(live), canvas_png(live))
    plt.close("all")
