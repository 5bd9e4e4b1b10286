"""The thin layer between a view function and ipywidgets.

A control redraws in one of two ways. A plain view function builds a new figure for every
setting. A `Live` picture is built once per layout and then updated in place: moving a control
changes the image data, colour limits and texts of the same figure, which is drawn once, so
the picture answers without building or laying out a figure again. The layout is fixed when
the figure is built (`laid_out`), with the region its image shows (`canvas_png`): no second
draw to measure the content, and the picture keeps its size as the controls move. Both ways
draw the same picture for the same settings; the static figures in the chapters come from the
same functions."""

from __future__ import annotations

import io
import math
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from PIL import Image

_SHOWN_REGION: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # laid-out figure -> Bbox (inches)
LAYOUTS_KEPT = 8  # live figures an explorer keeps, one per layout setting, for going back at once
RIGHT_ROOM_INCHES = 0.3  # a live figure's region reaches this far past its content on the right
PAD_INCHES = 0.1  # the margin around the drawn content, as savefig(bbox_inches="tight") leaves


@dataclass
class View:
    """What a control shows for one setting: a figure and the numbers on it as plain text."""

    figure: Figure
    text: str
    whole: bool = False  # a live figure: its PNG is the region `laid_out` fixed, as the control shows it

    def png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes (closes the figure)."""
        data = canvas_png(self.figure, dpi) if self.whole else png_bytes(self.figure, dpi)
        plt.close(self.figure)
        return data


def laid_out(figure: Figure) -> Figure:
    """`figure` with its layout fixed: a layout engine (constrained layout) runs once, in one
    draw, and then stays off, so later draws only paint; and the region its PNG shows is fixed
    too, to the content of that draw plus a margin of 0.1 inch (as savefig(bbox_inches="tight")
    keeps, including labels reaching past the figure's edge) and `RIGHT_ROOM_INCHES` more on
    the right. Returns `figure`."""
    canvas = _agg_canvas(figure)
    canvas.draw()
    figure.set_layout_engine("none")
    content = figure.get_tightbbox(canvas.get_renderer()).padded(PAD_INCHES)
    # Room on the right for colour-bar tick labels that grow as the colour limits move.
    _SHOWN_REGION[figure] = Bbox.from_extents(content.x0, content.y0, content.x1 + RIGHT_ROOM_INCHES, content.y1)
    return figure


def canvas_png(figure: Figure, dpi: int = 100, region_of: Figure | None = None) -> bytes:
    """`figure` as PNG from one draw: the region `laid_out` fixed for it, or for `region_of` if
    given (a figure of the same layout), else the whole canvas."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches=_SHOWN_REGION.get(region_of or figure),
                   pil_kwargs={"compress_level": 1})  # fast; the pixels are exact
    return buffer.getvalue()


def _agg_canvas(figure: Figure) -> FigureCanvasAgg:
    if not isinstance(figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(figure)
    return figure.canvas


def png_bytes(figure: Figure, dpi: int = 100) -> bytes:
    """`figure` as PNG, cropped to its content plus a margin of 0.1 inch, from one draw.

    The figure keeps its layout: nothing is moved, so a figure updated in place and one built
    for the same settings give the same pixels. Content reaching outside the figure (which a
    crop cannot show) is saved through ``savefig(bbox_inches="tight")`` instead."""
    _agg_canvas(figure)
    if figure.dpi != dpi:
        figure.set_dpi(dpi)
    figure.canvas.draw()
    content = figure.get_tightbbox(figure.canvas.get_renderer()).padded(PAD_INCHES)
    width, height = figure.get_size_inches()
    if content.x0 < 0 or content.y0 < 0 or content.x1 > width or content.y1 > height:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        return buffer.getvalue()
    pixels = np.asarray(figure.canvas.buffer_rgba())  # (height px, width px, 4), top row first
    # The rectangle savefig keeps: the content's size in whole pixels (as a canvas counts them,
    # truncated unless within 1e-8 of the next pixel) from the content's lower left corner.
    width_px, height_px = (math.floor(size * dpi + 1e-8) for size in (content.width, content.height))
    left, top = round(content.x0 * dpi), pixels.shape[0] - round(content.y0 * dpi) - height_px
    cropped = pixels[max(top, 0):top + height_px, left:left + width_px]
    buffer = io.BytesIO()
    Image.fromarray(cropped).save(buffer, format="png", compress_level=1)  # fast; the pixels are exact
    return buffer.getvalue()


@dataclass
class Live:
    """A control's picture, built once per layout and updated in place.

    ``layout(**settings) -> Figure`` builds and lays out a new figure; only the settings named
    in `layout_settings` may change its layout (tick labels, shapes), so it receives only
    those. ``show(figure, **settings) -> str`` puts the numbers of all the settings into that
    figure in place and returns the text. The figure for one setting is therefore the same
    whether it is built for it or reached by moving controls: `view` is the static drawing."""

    layout: Callable[..., Figure]
    show: Callable[..., str]
    layout_settings: tuple[str, ...] = ()

    def key(self, settings: dict) -> Hashable:
        return tuple(settings[name] for name in self.layout_settings)

    def build(self, settings: dict) -> Figure:
        """A new figure laid out for the layout settings among `settings`, its layout fixed."""
        return laid_out(self.layout(**{name: settings[name] for name in self.layout_settings}))

    def view(self, **settings) -> View:
        """A new figure for `settings`: laid out for its layout settings, then shown."""
        figure = self.build(settings)
        return View(figure, self.show(figure, **settings), whole=True)


def printable(values, decimals: int = 4) -> np.ndarray:
    """`values` as floats rounded to `decimals`, with -0.0 turned into 0.0, ready to print."""
    return np.round(np.asarray(values, dtype=np.float64), decimals) + 0.0


def show_view(view: View) -> None:
    """Show a view's figure in the notebook (the static rendering of a control's default state).
    Print ``view.text`` in a cell of its own, so nbval compares the numbers."""
    from IPython.display import display

    display(view.figure)
    plt.close(view.figure)


def weights_switch():
    """Toggle buttons "untrained" / "trained": which weights of the running example a control
    shows (the value is the string, as `toy.running_example` takes it)."""
    import ipywidgets as w

    from ..lessons.toy import WEIGHTS

    return w.ToggleButtons(options=list(WEIGHTS), value=WEIGHTS[0], description="weights",
                           style={"button_width": "90px"})


def keep_or_reset(menu, options: list, default) -> None:
    """Give the Dropdown `menu` the choices `options` ((label, value) pairs), keeping its value
    when it is still a choice and else setting it to `default`."""
    if list(menu.options) == list(options):
        return
    keep = menu.value if menu.value in {value for _, value in options} else default
    menu.options = options
    menu.value = keep


def explorer(view: Callable[..., View] | Live, controls: dict, title: str | None = None,
             sync: Callable[[dict], None] | None = None):
    """A widget: `controls` (name -> ipywidgets control) above the picture and the numbers.

    Moving any control swaps the picture in place (an Image widget, so the page does not jump)
    and the text below it. With a view function, each change calls ``view(**values)`` for a
    new figure; with a `Live` picture, the figure is updated in place and built again only
    when a layout setting changes. ``sync(controls)``, if given, runs first and may change
    controls that depend on others (e.g. a menu whose choices follow the weights switch); the
    changes it makes do not redraw on their own."""
    import ipywidgets as w

    image = w.Image(format="png", layout=w.Layout(max_width="100%"))
    numbers = w.HTML()
    figures: dict = {}  # layout settings -> the live figure built for them (the latest last)
    shown = {"figure": None}
    syncing = False

    def redraw(_change=None):
        nonlocal syncing
        if syncing:
            return
        if sync is not None:
            syncing = True
            try:
                sync(controls)
            finally:
                syncing = False
        settings = {name: control.value for name, control in controls.items()}
        if isinstance(view, Live):
            key = view.key(settings)
            figure = figures.pop(key, None)
            if figure is None:
                figure = view.build(settings)
                plt.close(figure)  # out of pyplot's hands, so a notebook does not show it again
            figures[key] = figure
            while len(figures) > LAYOUTS_KEPT:
                del figures[next(iter(figures))]
            shown["figure"] = figure
            text = view.show(figure, **settings)
            image.value = canvas_png(figure)
        else:
            drawn = view(**settings)
            text = drawn.text
            image.value = drawn.png()
        numbers.value = f"<pre style='font-size: 12px; line-height: 1.3'>{_escape(text)}</pre>"

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    header = [w.HTML(f"<b>{_escape(title)}</b>")] if title else []
    box = w.VBox([*header, w.HBox(list(controls.values()), layout=w.Layout(flex_flow="row wrap")), image, numbers])
    box.redraw = redraw
    box.image, box.numbers = image, numbers
    box.live_figure = lambda: shown["figure"]
    return box


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
