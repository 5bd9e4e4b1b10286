"""The thin layer between a view function and ipywidgets.

A control redraws in one of two ways. A plain view function builds a new figure for every
setting. A `Live` picture is built once per layout and then updated in place: moving a control
changes the image data, colour limits and texts of the same figure, and only what changes is
painted again, over the figure's static part kept from an earlier draw (`Backdrop`), so the
picture answers without building, laying out or fully drawing a figure again. The layout is
fixed when the figure is built (`laid_out`), with the region its image shows: no second draw
to measure the content, and the picture keeps its size as the controls move. Both ways
draw the same picture for the same settings; the static figures in the chapters come from the
same functions."""

from __future__ import annotations

import io
import math
import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure, SubFigure
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
    the right, in whole pixels of the figure's canvas. Returns `figure`."""
    canvas = _agg_canvas(figure)
    canvas.draw()
    figure.set_layout_engine("none")
    content = figure.get_tightbbox(canvas.get_renderer()).padded(PAD_INCHES)
    # Room on the right for colour-bar tick labels that grow as the colour limits move.
    dpi = figure.dpi
    _SHOWN_REGION[figure] = Bbox.from_extents(math.floor(content.x0 * dpi) / dpi, math.floor(content.y0 * dpi) / dpi,
                                              math.ceil((content.x1 + RIGHT_ROOM_INCHES) * dpi) / dpi,
                                              math.ceil(content.y1 * dpi) / dpi)
    return figure


def canvas_png(figure: Figure, dpi: int = 100, region_of: Figure | None = None) -> bytes:
    """`figure` as PNG from one full draw: the region `laid_out` fixed for it, or for
    `region_of` if given (a figure of the same layout), else the whole canvas."""
    _agg_canvas(figure)
    if figure.dpi != dpi:
        figure.set_dpi(dpi)
    figure.canvas.draw()
    return _encoded(figure, _SHOWN_REGION.get(region_of or figure))


def redrawn_png(figure: Figure) -> bytes:
    """`figure`, laid out by `laid_out` and changed in place since its last picture, as PNG:
    its static part is painted once and kept (`Backdrop`), and each call paints only the
    artists that change over it. The pixels are those `canvas_png` draws."""
    backdrop = _BACKDROPS.get(figure)
    if backdrop is None:
        backdrop = _BACKDROPS[figure] = Backdrop()
    backdrop.paint(figure)
    return _encoded(figure, _SHOWN_REGION.get(figure))


def _encoded(figure: Figure, region: Bbox | None) -> bytes:
    """The canvas of `figure` (just drawn) as PNG, cropped to `region` (inches, whole pixels;
    parts outside the canvas take the figure's colour): RGB when that colour is opaque."""
    pixels = np.asarray(figure.canvas.buffer_rgba())  # (height px, width px, 4), top row first
    face = np.round(np.asarray(figure.patch.get_facecolor()) * 255).astype(np.uint8)
    if region is not None:
        dpi = figure.dpi
        height = pixels.shape[0]
        left, right = round(region.x0 * dpi), round(region.x1 * dpi)
        top, bottom = height - round(region.y1 * dpi), height - round(region.y0 * dpi)
        inside = pixels[max(top, 0):min(bottom, height), max(left, 0):min(right, pixels.shape[1])]
        if (top, left, bottom, right) != (max(top, 0), max(left, 0), min(bottom, height), min(right, pixels.shape[1])):
            framed = np.empty((bottom - top, right - left, 4), dtype=np.uint8)
            framed[:] = face
            framed[max(-top, 0):max(-top, 0) + inside.shape[0], max(-left, 0):max(-left, 0) + inside.shape[1]] = inside
            inside = framed
        pixels = inside
    if face[3] == 255:
        pixels = pixels[..., :3]  # an opaque figure: every pixel is opaque
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels)).save(buffer, format="png", compress_level=1)  # fast; exact
    return buffer.getvalue()


class Backdrop:
    """The static part of a laid-out figure, painted once and kept, and the way to paint the
    rest over it.

    Static are the backgrounds of the figure, its subfigures and its axes, and each axes' Axis
    artists (ticks, tick labels, axis label) while they lie outside every axes' frame and
    title (no grid, no ticks pointing in, no label reaching over a neighbour: painted first,
    they cover nothing a full draw paints over them) and have not changed since the figure
    was first painted. All else changes: every axes' images, texts, patches, lines,
    collections, spines, legends and title, and figure texts such as the suptitle. An Axis
    whose ticks or labels change (a colour bar's, whose ticks follow the colour limits) is
    painted with the changing artists from then on. `paint` puts the kept pixels back and
    draws the changing artists over them in the order of a full draw, so the canvas holds what
    a full draw paints; it paints the static part again only when what it shows (the figure's
    size, axes positions and limits, the static ticks and labels) changes."""

    def __init__(self):  # holds no reference to its figure, which keys it in a weak dictionary
        self.kept = None         # the static part's pixels (canvas.copy_from_bbox)
        self.shows = None        # what they show (`_static_fingerprint`)
        self.static_axes: dict[int, tuple] = {}  # id of each Axis painted in them -> what it showed
        self.moving_axes: set[int] = set()       # ids of the Axis artists seen changing

    def paint(self, figure: Figure) -> None:
        """Leave on the canvas what a full draw of the figure paints, its static part reused."""
        canvas = _agg_canvas(figure)
        renderer = canvas.get_renderer()
        shows, axes = _static_fingerprint(figure, renderer)
        if self.kept is None or shows != self.shows or any(axes[key] != seen for key, seen in self.static_axes.items()):
            self.moving_axes |= {key for key, seen in self.static_axes.items() if axes[key] != seen}
            self._paint_static(figure, canvas, axes)
            self.shows = shows
        else:
            canvas.restore_region(self.kept)
        for artist in self.changing(figure):
            artist.draw(renderer)

    def changing(self, figure: Figure) -> list[Artist]:
        """The artists painted at every change, in the order a full draw paints them."""
        return list(_changing_in(figure, self.static_axes))

    def _paint_static(self, figure: Figure, canvas, axes: dict[int, tuple]) -> None:
        outside = _axes_outside_frames(figure, canvas.get_renderer())
        self.static_axes = {key: seen for key, seen in axes.items() if key in outside and key not in self.moving_axes}
        changing = self.changing(figure)
        for artist in changing:  # left out of the draw, as matplotlib's blitting does; still measured
            artist.set_animated(True)
        try:
            canvas.draw()
        finally:
            for artist in changing:
                artist.set_animated(False)
        self.kept = canvas.copy_from_bbox(figure.bbox)


_BACKDROPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # laid-out figure -> Backdrop


def _changing_in(container, static_axes: set[int]) -> Iterator[Artist]:
    """The changing artists of a figure or subfigure `container`, in the order of `Figure.draw`
    and `Axes.draw` (by z-order, the background patches first): all but the backgrounds and
    the Axis artists whose ids are in `static_axes`."""
    children = [child for child in container.get_children() if child is not container.patch and not child.get_animated()]
    for child in sorted(children, key=lambda artist: artist.get_zorder()):
        if not child.get_visible():
            continue
        if isinstance(child, SubFigure):
            yield from _changing_in(child, static_axes)
        elif isinstance(child, Axes):
            yield from _changing_in_axes(child, static_axes)
        else:
            yield child


def _changing_in_axes(ax: Axes, static_axes: set[int]) -> Iterator[Artist]:
    framed = ax.axison and ax._frameon
    artists = [a for a in ax.get_children() if a is not ax.patch and not a.get_animated()
               and (framed or a not in ax.spines.values()) and (ax.axison or not isinstance(a, Axis))]
    for artist in sorted(artists, key=lambda a: a.get_zorder()):
        if artist.get_visible() and id(artist) not in static_axes:
            yield artist


def _axes_outside_frames(figure: Figure, renderer) -> set[int]:
    """Ids of the Axis artists of `figure` that paint nothing inside any axes' frame or over
    any title: no grid lines, no ticks pointing in, tick labels clear of the neighbours."""
    frames = [ax.bbox for ax in figure.axes if ax.get_visible()]
    frames += [title.get_window_extent(renderer) for ax in figure.axes
               for title in (ax.title, ax._left_title, ax._right_title) if title.get_text()]
    static = set()
    for ax in figure.axes:
        if not ax.axison:
            continue
        for axis in ax._axis_map.values():
            ticks = axis.get_major_ticks()[:1] + axis.get_minor_ticks()[:1]
            if any(tick.gridline.get_visible() or (tick._tickdir != "out" and tick._size > 0) for tick in ticks):
                continue
            extent = axis.get_tightbbox(renderer)
            if extent is None or not any(_overlap(extent, frame) for frame in frames):
                static.add(id(axis))
    return static


def _overlap(a: Bbox, b: Bbox) -> bool:
    """Whether `a` and `b` share more than an edge."""
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def _static_fingerprint(figure: Figure, renderer) -> tuple[tuple, dict[int, tuple]]:
    """What the static part of `figure` may show: (its size, axes and their positions;
    {id of each Axis: its limits, ticks, tick labels and label}). Places the axes as a draw
    does first (`Axes.apply_aspect`, with the axes' locator if it has one, as a colour bar)."""
    shows: list = [tuple(figure.get_size_inches()), figure.dpi]
    axes = {}
    for ax in figure.axes:
        locator = ax.get_axes_locator()
        ax.apply_aspect(locator(ax, renderer) if locator else None)
        shows += [id(ax), ax.get_visible(), ax.axison, tuple(ax.get_position().bounds)]
        axes.update((id(axis), _axis_fingerprint(axis)) for axis in ax._axis_map.values())
    return tuple(shows), axes


def _axis_fingerprint(axis: Axis) -> tuple:
    """What an Axis paints: its limits, ticks, and the text and look of its tick labels and label."""
    locations = axis.get_majorticklocs()
    labels = axis.get_major_formatter().format_ticks(locations) if len(locations) else []
    return (tuple(axis.get_view_interval()), tuple(locations), tuple(labels),
            tuple(_text_look(label) for label in axis.get_ticklabels()), tuple(axis.get_minorticklocs()),
            _text_look(axis.label))


def _text_look(text) -> tuple:
    return (text.get_text(), text.get_visible(), text.get_rotation(), text.get_ha(), text.get_va(),
            str(text.get_color()), text.get_alpha(), text.get_fontproperties())


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
            image.value = redrawn_png(figure)
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
