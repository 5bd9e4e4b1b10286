"""The thin layer between a view function and ipywidgets.

A control redraws in one of two ways. A plain view function builds a new figure for every
setting. A `Live` picture is built once per layout and then updated in place: moving a control
changes the image data, colour limits and texts of the same figure, and only what changes is
painted again, over the figure's static part kept from an earlier draw (`Backdrop`), so the
picture answers without building, laying out or fully drawing a figure again. The layout is
fixed when the figure is built (`laid_out`), with the region its image shows: no second draw
to measure the content, and the picture keeps its size as the controls move. Both ways
draw the same picture for the same settings; the static figures in the chapters come from the
same functions. The other layouts a control can move to are prepared while the kernel waits
for the reader (`idle`)."""

from __future__ import annotations

import contextlib
import functools
import inspect
import math
import pickle
import weakref
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure, SubFigure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.ticker import NullLocator
from matplotlib.transforms import Bbox

from ..figures.glyph_cache import remember_text
from ..figures.png import PAD_INCHES, agg_canvas, canvas_region_png, drawn_at, png_bytes
from ..lessons.toy import WEIGHTS
from . import idle

_SHOWN_REGION: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # laid-out figure -> Bbox (inches)
_LAID_OUT_SIZE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # laid-out figure -> its size then
LAYOUTS_KEPT = 8  # live figures an explorer keeps, one per layout setting, for going back at once
RIGHT_ROOM_INCHES = 0.3  # a live figure's region reaches this far past its content on the right


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
    """`figure` with its layout fixed: its layout engine (constrained layout) runs once, as the
    first draw would run it, and then stays off, so draws only paint; and the region its PNG
    shows is fixed too, to its content plus a margin of 0.1 inch (as
    savefig(bbox_inches="tight") keeps, including labels reaching past the figure's edge) and
    `RIGHT_ROOM_INCHES` more on the right, in whole pixels of the figure's canvas. A constrained
    layout is confined to a smaller rectangle where the content and that room would otherwise
    reach past the canvas, which no draw can paint. Nothing is painted: the layout and the
    content are measured. Returns `figure` (a figure laid out already, at the size it has now,
    is returned as it is)."""
    if _LAID_OUT_SIZE.get(figure) == tuple(figure.get_size_inches()):
        return figure
    renderer = agg_canvas(figure).get_renderer()
    engine = figure.get_layout_engine()
    if engine is not None and figure.axes:
        _run_layout(figure, engine, renderer)
        if isinstance(engine, ConstrainedLayoutEngine):
            _keep_inside_canvas(figure, engine, renderer)
    figure.set_layout_engine("none")
    content = figure.get_tightbbox(renderer).padded(PAD_INCHES)
    # Room on the right for colour-bar tick labels that grow as the colour limits move.
    dpi = figure.dpi
    _SHOWN_REGION[figure] = Bbox.from_extents(math.floor(content.x0 * dpi) / dpi, math.floor(content.y0 * dpi) / dpi,
                                              math.ceil((content.x1 + RIGHT_ROOM_INCHES) * dpi) / dpi,
                                              math.ceil(content.y1 * dpi) / dpi)
    _LAID_OUT_SIZE[figure] = tuple(figure.get_size_inches())
    return figure


def _run_layout(figure: Figure, engine, renderer) -> None:
    for ax in figure.axes:  # placed as `Figure.draw` places them before its layout engine runs
        for placed in (ax, *ax.child_axes):
            locator = placed.get_axes_locator()
            placed.apply_aspect(locator(placed, renderer) if locator else None)
    engine.execute(figure)


def _keep_inside_canvas(figure: Figure, engine: ConstrainedLayoutEngine, renderer, tries: int = 3) -> None:
    """Lay `figure` out again, in a rectangle shrunk by as much as its content (and
    `RIGHT_ROOM_INCHES` on the right) reaches past the canvas, until nothing does (at most
    `tries` times): constrained layout places what it manages inside the rectangle, yet colour
    bars' labels may reach past it, and the room for them to grow has to be on the canvas."""
    width, height = figure.get_size_inches()
    margins = np.zeros(4)  # left, bottom, right, top, in inches
    for _ in range(tries):
        content = figure.get_tightbbox(renderer)
        past = np.maximum(0.0, [-content.x0, -content.y0, content.x1 + RIGHT_ROOM_INCHES - width, content.y1 - height])
        if not past.any():
            return
        margins += past + 1 / figure.dpi  # a pixel more, for the rounding of the next layout
        left, bottom, right, top = margins
        engine.set(rect=(left / width, bottom / height, 1 - (left + right) / width, 1 - (bottom + top) / height))
        _run_layout(figure, engine, renderer)


LAYOUTS_REMEMBERED = 16  # laid-out figures `remembered_layout` keeps, as pickles of about 0.7 MB
_REMEMBERED: dict = {}   # (layout function, its arguments) -> (pickled laid-out figure, its region)
_REMEMBERING = [True]    # emptied for good if this matplotlib's figures cannot be linked up again
_KEEPING_NEW = [True]    # emptied while a control builds a layout it moved to (`_new_layouts_not_kept`)


def remembered_layout(layout: Callable[..., Figure]) -> Callable[..., Figure]:
    """`layout`, a function that builds a control's figure, made to return the figure laid out
    (`laid_out`) and to build and lay out each figure once: called again with the same
    arguments (numbers, strings, tuples of them), it returns a copy of the first figure, read
    back from a pickle in a tenth of the time. A chapter's static view of a control and the
    control below it ask for the same layout. A layout a control moves to is built without
    being kept (`_new_layouts_not_kept`): the control keeps that figure itself, and pickling it
    would delay the answer by a tenth."""
    signature = inspect.signature(layout)

    @functools.wraps(layout)
    def built(*args, **kwargs) -> Figure:
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        key = (layout.__module__, layout.__qualname__, tuple(bound.arguments.items()))
        if not _plain(key[2]) or not _REMEMBERING:  # arrays, objects: no key that names the figure
            return laid_out(layout(*args, **kwargs))
        if key in _REMEMBERED:
            kept, region = _REMEMBERED.pop(key)
            try:
                figure = _with_colour_bars_linked(pickle.loads(kept))
            except AttributeError:  # another matplotlib: build every figure
                _REMEMBERING.clear()
                _REMEMBERED.clear()
                return laid_out(layout(*args, **kwargs))
            _REMEMBERED[key] = kept, region  # the latest used last
            _SHOWN_REGION[figure], _LAID_OUT_SIZE[figure] = region, tuple(figure.get_size_inches())
            return figure
        figure = laid_out(layout(*args, **kwargs))
        if not _KEEPING_NEW:
            return figure
        try:
            _REMEMBERED[key] = pickle.dumps(figure), _SHOWN_REGION[figure]
        except (pickle.PicklingError, TypeError, AttributeError):  # e.g. a lambda in the figure
            return figure
        while len(_REMEMBERED) > LAYOUTS_REMEMBERED:
            del _REMEMBERED[next(iter(_REMEMBERED))]
        return figure

    return built


@contextlib.contextmanager
def _new_layouts_not_kept() -> Iterator[None]:
    """Within this block, `remembered_layout` builds a layout it has not kept without keeping it."""
    _KEEPING_NEW.clear()
    try:
        yield
    finally:
        _KEEPING_NEW.append(True)


def _with_colour_bars_linked(figure: Figure) -> Figure:
    """`figure`, read back from a pickle, with its colours linked as they are once built: each
    colour map's norm tells its colorizer, each colorizer its artists, each image its colour
    bar (a pickle keeps none of matplotlib's callbacks). Raises AttributeError with a matplotlib
    that links them otherwise."""
    linked = set()
    for artist in figure.findobj(lambda a: hasattr(a, "_colorizer")):
        colorizer = artist._colorizer
        if id(colorizer) not in linked:
            linked.add(id(colorizer))
            colorizer._id_norm = colorizer.norm.callbacks.connect("changed", colorizer.changed)
        artist._id_colorizer = colorizer.callbacks.connect("changed", artist.changed)
    for ax in figure.axes:
        bar = getattr(ax, "_colorbar", None)
        if bar is not None:
            bar.mappable.colorbar_cid = bar.mappable.callbacks.connect("changed", bar.update_normal)
            bar._extend_cid1 = ax.callbacks.connect("xlim_changed", bar._do_extends)
            bar._extend_cid2 = ax.callbacks.connect("ylim_changed", bar._do_extends)
    return figure


def _plain(value) -> bool:
    if isinstance(value, tuple):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (bool, int, float, str))


def canvas_png(figure: Figure, dpi: int = 100, region_of: Figure | None = None) -> bytes:
    """`figure` as PNG from one full draw: the region `laid_out` fixed for it, or for
    `region_of` if given (a figure of the same layout), else the whole canvas."""
    return _encoded(drawn_at(figure, dpi), _SHOWN_REGION.get(region_of or figure))


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
    height, width = figure.canvas.buffer_rgba().shape[:2]
    if region is None:
        return canvas_region_png(figure, 0, 0, height, width)
    dpi = figure.dpi
    return canvas_region_png(figure, height - round(region.y1 * dpi), round(region.x0 * dpi),
                             height - round(region.y0 * dpi), round(region.x1 * dpi))


class Backdrop:
    """The static part of a laid-out figure, painted once and kept, and the way to paint the
    rest over it.

    Static are the backgrounds of the figure, its subfigures and its axes, and each axes' Axis
    artists (ticks, tick labels, axis label) while they lie outside every axes' frame and
    title (no grid, no ticks pointing in, no label reaching over a neighbour: painted first,
    they cover nothing a full draw paints over them). All else changes: every axes' images,
    texts, patches, lines, collections, spines, legends and title, and figure texts such as
    the suptitle. `paint` puts the kept pixels back and draws the changing artists over them in
    the order of a full draw, so the canvas holds what a full draw paints.

    The kept pixels are painted again only where what they show changes. When the figure's
    size or its axes' positions change, all of them. When a static Axis changes (a colour
    bar's ticks follow the colour limits; token names change), only the rectangle that Axis
    covered before and covers now: the backgrounds alone (`bare`) are put back and every
    static Axis reaching into the rectangle is drawn again, in the order of a full draw, and
    the rectangle's pixels replace the kept ones. Outside the frames nothing but backgrounds
    and static Axis artists paints, and inside them the kept pixels are backgrounds alone, so
    the rectangle holds what a full draw of the static part paints there."""

    def __init__(self):  # holds no reference to its figure, which keys it in a weak dictionary
        self.bare = None    # the backgrounds' pixels, (height px, width px, 4), top row first
        self.kept = None    # the static part's pixels: the backgrounds and the static Axis artists
        self.shows = None   # what the axes and figure show (`_static_fingerprint`)
        self.static_axes: dict[int, tuple] = {}       # id of each static Axis -> what it shows
        self.extents: dict[int, tuple[int, ...]] = {}  # id of each static Axis -> the pixels it covers
        self.full_paints = 0      # times the static part was painted whole (for tests)
        self.partial_paints = 0   # times part of it was painted again (for tests)

    def paint(self, figure: Figure) -> None:
        """Leave on the canvas what a full draw of the figure paints, its static part reused."""
        canvas = agg_canvas(figure)
        renderer = canvas.get_renderer()
        remember_text(renderer)  # the same labels and digits at every change: shaped and rasterised once
        shows, axes = _static_fingerprint(figure, renderer)
        changed = [key for key, seen in self.static_axes.items() if axes[key] != seen]
        if self.kept is None or shows != self.shows or not self._paint_again(figure, renderer, changed, axes):
            self._paint_static(figure, canvas, axes)
            self.shows = shows
        pixels = _canvas_pixels(canvas)
        pixels[...] = self.kept
        for artist in self.changing(figure):
            artist.draw(renderer)

    def changing(self, figure: Figure) -> list[Artist]:
        """The artists painted at every change, in the order a full draw paints them."""
        return list(_drawn_in(figure, lambda artist: id(artist) not in self.static_axes))

    def _static_in_order(self, figure: Figure) -> list[Axis]:
        return list(_drawn_in(figure, lambda artist: id(artist) in self.static_axes))

    def _paint_static(self, figure: Figure, canvas, axes: dict[int, tuple]) -> None:
        renderer = canvas.get_renderer()
        outside = _axes_outside_frames(figure, renderer)
        self.static_axes = {key: seen for key, seen in axes.items() if key in outside}
        left_out = self.changing(figure) + self._static_in_order(figure)
        for artist in left_out:  # left out of the draw, as matplotlib's blitting does; still measured
            artist.set_animated(True)
        try:
            canvas.draw()
        finally:
            for artist in left_out:
                artist.set_animated(False)
        pixels = _canvas_pixels(canvas)
        self.bare = pixels.copy()
        static = self._static_in_order(figure)
        for axis in static:
            _draw_axis(axis, renderer)
        self.kept = pixels.copy()
        self.extents = {id(axis): _pixels_covered(axis, renderer, outside[id(axis)], pixels.shape[0])
                        for axis in static}
        self.full_paints += 1

    def _paint_again(self, figure: Figure, renderer, changed: list[int], axes: dict[int, tuple]) -> bool:
        """Paint again the kept pixels that the static Axis artists `changed` covered or cover
        now; False (nothing done) if one of them now reaches into a frame or title."""
        if not changed:
            return True
        outside = _axes_outside_frames(figure, renderer, changed)
        if len(outside) < len(changed):
            return False
        static = self._static_in_order(figure)
        height = self.kept.shape[0]
        rectangles = []
        for axis in static:
            if id(axis) in outside:
                now = _pixels_covered(axis, renderer, outside[id(axis)], height)
                rectangles.append(_union(self.extents[id(axis)], now))
                self.extents[id(axis)] = now
                self.static_axes[id(axis)] = axes[id(axis)]
        pixels = _canvas_pixels(figure.canvas)
        pixels[...] = self.bare
        for axis in static:
            if any(_overlap_px(self.extents[id(axis)], rectangle) for rectangle in rectangles):
                _draw_axis(axis, renderer)
        for top, left, bottom, right in rectangles:
            self.kept[top:bottom, left:right] = pixels[top:bottom, left:right]
        self.partial_paints += 1
        return True


_BACKDROPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # laid-out figure -> Backdrop


def _canvas_pixels(canvas) -> np.ndarray:
    """The Agg canvas's pixels as a writable array (height px, width px, 4), top row first."""
    return np.asarray(canvas.buffer_rgba())


def _ticks_alone(axis: Axis) -> bool:
    """Whether the visible `axis` paints its ticks alone: no label and no offset text (a
    heatmap's token names, a colour bar's ticks). What `Axis.draw` and `Axis.get_tightbbox` add
    for such an axis, placing the label clear of every sibling's tick labels, measures texts
    that paint nothing."""
    axis.offsetText.set_text(axis.major.formatter.get_offset())  # as `Axis.draw` sets it
    return axis.get_visible() and not axis.label.get_text() and not axis.offsetText.get_text()


def _draw_axis(axis: Axis, renderer) -> None:
    """Paint `axis` as `Axis.draw` does; only its ticks when that is all it paints."""
    if not _ticks_alone(axis):
        axis.draw(renderer)
        return
    for tick in axis._update_ticks():
        tick.draw(renderer)
    axis.stale = False


def _axis_extent(axis: Axis, renderer) -> Bbox | None:
    """`axis.get_tightbbox(renderer)`; measured from its tick labels alone when that is all
    it paints, which is what that returns for such an axis."""
    if not _ticks_alone(axis):
        return axis.get_tightbbox(renderer)
    boxes = [box for boxes in axis._get_ticklabel_bboxes(axis._update_ticks(), renderer) for box in boxes
             if 0 < box.width < np.inf and 0 < box.height < np.inf]
    return Bbox.union(boxes) if boxes else None


def _pixels_covered(axis: Axis, renderer, labels: Bbox | None, height: int) -> tuple[int, int, int, int]:
    """(top, left, bottom, right): whole pixel rows and columns of a canvas `height` pixels
    high, top row first, holding all that `axis` paints: its tick labels, offset text and label
    (`labels`, its tight box) and its tick marks, with a margin of 2 pixels for antialiasing.
    Empty (0, 0, 0, 0) if it paints nothing."""
    extents = [labels]
    for tick in axis.get_major_ticks(len(axis.get_majorticklocs())) + axis.get_minor_ticks(len(axis.get_minorticklocs())):
        extents += [line.get_window_extent(renderer) for line in (tick.tick1line, tick.tick2line)
                    if line.get_visible()]
    extents = [extent for extent in extents if extent is not None and np.isfinite(extent.extents).all()]
    if not extents:
        return (0, 0, 0, 0)
    x0, y0, x1, y1 = Bbox.union(extents).extents
    margin = 2
    return (max(height - math.ceil(y1) - margin, 0), max(math.floor(x0) - margin, 0),
            max(height - math.floor(y0) + margin, 0), max(math.ceil(x1) + margin, 0))


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    if a[0] >= a[2] or a[1] >= a[3]:
        return b
    if b[0] >= b[2] or b[1] >= b[3]:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _overlap_px(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _drawn_in(container, chosen: Callable[[Artist], bool]) -> Iterator[Artist]:
    """The artists of a figure or subfigure `container` for which `chosen` holds, in the order
    of `Figure.draw` and `Axes.draw` (by z-order), leaving out the backgrounds (the figure's,
    subfigures' and axes' patches), hidden artists and those set animated."""
    children = [child for child in container.get_children() if child is not container.patch and not child.get_animated()]
    for child in sorted(children, key=lambda artist: artist.get_zorder()):
        if not child.get_visible():
            continue
        if isinstance(child, SubFigure):
            yield from _drawn_in(child, chosen)
        elif isinstance(child, Axes):
            yield from _drawn_in_axes(child, chosen)
        elif chosen(child):
            yield child


def _drawn_in_axes(ax: Axes, chosen: Callable[[Artist], bool]) -> Iterator[Artist]:
    framed = ax.axison and ax._frameon
    artists = [a for a in ax.get_children() if a is not ax.patch and not a.get_animated()
               and (framed or a not in ax.spines.values()) and (ax.axison or not isinstance(a, Axis))]
    for artist in sorted(artists, key=lambda a: a.get_zorder()):
        if artist.get_visible() and chosen(artist):
            yield artist


def _axes_outside_frames(figure: Figure, renderer, among: list[int] | None = None) -> dict[int, Bbox | None]:
    """{id: tight box of its labels} of the Axis artists of `figure` (of those with ids in
    `among`, if given) that paint nothing inside any axes' frame or over any title: no grid
    lines, no ticks pointing in, tick labels clear of the neighbours."""
    frames = [ax.bbox for ax in figure.axes if ax.get_visible()]
    frames += [title.get_window_extent(renderer) for ax in figure.axes
               for title in (ax.title, ax._left_title, ax._right_title) if title.get_text()]
    static = {}
    for ax in figure.axes:
        if not ax.axison:
            continue
        for axis in ax._axis_map.values():
            if among is not None and id(axis) not in among:
                continue
            ticks = axis.get_major_ticks()[:1] + axis.get_minor_ticks()[:1]
            if any(tick.gridline.get_visible() or (tick._tickdir != "out" and tick._size > 0) for tick in ticks):
                continue
            extent = _axis_extent(axis, renderer)
            if extent is None or not any(_overlap(extent, frame) for frame in frames):
                static[id(axis)] = extent
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
        if ax.axison:  # an axes drawn without axes paints no Axis, and it is never static (`_axes_outside_frames`)
            axes.update((id(axis), _axis_fingerprint(axis)) for axis in ax._axis_map.values())
    return tuple(shows), axes


def _axis_fingerprint(axis: Axis) -> tuple:
    """What an Axis paints: its limits, ticks, and the text and look of its tick labels and label.
    Read from the locators, the formatter and the ticks' labels as they are, without placing
    the ticks (`Axis.get_ticklabels` would place every one of them first)."""
    locations = axis.get_majorticklocs()
    labels = axis.get_major_formatter().format_ticks(locations) if len(locations) else []
    looks = tuple(_text_look(label, with_text=False) for tick in axis.get_major_ticks(len(locations))
                  for label in (tick.label1, tick.label2))
    minor = () if isinstance(axis.get_minor_locator(), NullLocator) else tuple(axis.get_minorticklocs())
    return (tuple(axis.get_view_interval()), tuple(locations), tuple(labels), looks, minor, _text_look(axis.label))


def _text_look(text, with_text: bool = True) -> tuple:
    return (text.get_text() if with_text else None, text.get_visible(), text.get_rotation(), text.get_ha(),
            text.get_va(), str(text.get_color()), text.get_alpha(), text.get_fontproperties())


@dataclass
class Live:
    """A control's picture, built once per layout and updated in place.

    ``layout(**settings) -> Figure`` builds a new figure and lays it out (a function made by
    `remembered_layout`, which does both, or one that calls it); only the settings named
    in `layout_settings` may change its layout (tick labels, shapes), so it receives only
    those. ``show(figure, **settings) -> str`` puts the numbers of all the settings into that
    figure in place and returns the text. The figure for one setting is therefore the same
    whether it is built for it or reached by moving controls: `view` is the static drawing.

    ``layout_key(**layout settings)``, if given, names the layout those settings need, when
    several of their values share one (`layout` then builds the same figure for them all): a
    control keeps one figure per name, not per value.

    `reachable` lists the layouts the controls can move to, each as a dict of the layout
    settings' values (settings that share a layout key are prepared once): a control builds and
    paints them while the kernel is idle (`idle`), so the reader's first move to one answers as
    fast as any other change."""

    layout: Callable[..., Figure]
    show: Callable[..., str]
    layout_settings: tuple[str, ...] = ()
    layout_key: Callable[..., Hashable] | None = None
    reachable: tuple[dict, ...] = ()

    def key(self, settings: dict) -> Hashable:
        if self.layout_key is not None:
            return self.layout_key(**{name: settings[name] for name in self.layout_settings})
        return tuple(settings[name] for name in self.layout_settings)

    def build(self, settings: dict) -> Figure:
        """A new figure laid out for the layout settings among `settings`, its layout fixed."""
        return self.layout(**{name: settings[name] for name in self.layout_settings})

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

    return w.ToggleButtons(options=list(WEIGHTS), value=WEIGHTS[0], description="weights",
                           style={"button_width": "90px"})


def weights_layouts() -> tuple[dict, ...]:
    """`Live.reachable` of a control whose only layout setting is the `weights_switch`: one
    layout per weights."""
    return tuple({"weights": weights} for weights in WEIGHTS)


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
    changes it makes do not redraw on their own.

    The layouts a `Live` picture can reach (`Live.reachable`) are built and painted while the
    kernel is idle, one at a time (`idle.when_idle`); ``box.prepare_layouts()`` prepares them
    all at once, as a reader's pause would."""
    import ipywidgets as w

    image = w.Image(format="png", layout=w.Layout(max_width="100%"))
    numbers = w.HTML()
    figures: dict = {}  # layout settings -> the live figure built for them (the latest last)
    shown = {"figure": None}
    syncing = False

    def built(settings: dict) -> Figure:
        # The first layout may be a static view's above, kept for it; later ones are new.
        with contextlib.nullcontext() if not figures else _new_layouts_not_kept():
            figure = view.build(settings)
        plt.close(figure)  # out of pyplot's hands, so a notebook does not show it again
        return figure

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
                figure = built(settings)
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
        idle.busy_now()

    def prepare_a_layout() -> bool:
        """Build and paint a layout of `view.reachable` not kept yet (one per key), as the first
        move to it would, while there is room to keep it beside the others; whether there was
        one to prepare."""
        if not isinstance(view, Live) or len(figures) >= LAYOUTS_KEPT:
            return False
        reachable = {view.key(layout): layout for layout in view.reachable}
        waiting = [key for key in reachable if key not in figures]
        if not waiting:
            return False
        key = waiting[0]
        figure = built(reachable[key])
        redrawn_png(figure)  # its static part painted and kept (`Backdrop`) for the first change to it
        kept = list(figures.items())
        figures.clear()
        figures[key] = figure  # kept as the least recent: the one shown is never let go for it
        figures.update(kept)
        return True

    def prepare_layouts(limit: int | None = None) -> int:
        """Prepare the reachable layouts not kept yet, at most `limit` of them (default: all),
        now: what idle time does one at a time. Returns how many were prepared."""
        prepared = 0
        while (limit is None or prepared < limit) and prepare_a_layout():
            prepared += 1
        return prepared

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    if isinstance(view, Live) and view.reachable:
        idle.when_idle(prepare_a_layout)
    header = [w.HTML(f"<b>{_escape(title)}</b>")] if title else []
    box = w.VBox([*header, w.HBox(list(controls.values()), layout=w.Layout(flex_flow="row wrap")), image, numbers])
    box.redraw = redraw
    box.prepare_layouts = prepare_layouts
    box.layouts_kept = lambda: len(figures)
    box.image, box.numbers = image, numbers
    box.live_figure = lambda: shown["figure"]
    return box


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
