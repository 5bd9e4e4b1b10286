"""The thin layer between a view function and ipywidgets."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


@dataclass
class View:
    """What a control shows for one setting: a figure and the numbers on it as plain text."""

    figure: Figure
    text: str

    def png(self, dpi: int = 100) -> bytes:
        """The figure as PNG bytes (closes the figure)."""
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        plt.close(self.figure)
        return buffer.getvalue()


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


def explorer(view_fn: Callable[..., View], controls: dict, title: str | None = None,
             sync: Callable[[dict], None] | None = None):
    """A widget: `controls` (name -> ipywidgets control) above the picture and the numbers.

    Moving any control calls ``view_fn(**values)`` and swaps the picture in place (an Image
    widget, so the page does not jump) and the text below it. ``sync(controls)``, if given,
    runs first and may change controls that depend on others (e.g. a menu whose choices follow
    the weights switch); the changes it makes do not redraw on their own."""
    import ipywidgets as w

    image = w.Image(format="png", layout=w.Layout(max_width="100%"))
    numbers = w.HTML()
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
        view = view_fn(**{name: control.value for name, control in controls.items()})
        image.value = view.png()
        numbers.value = f"<pre style='font-size: 12px; line-height: 1.3'>{_escape(view.text)}</pre>"

    for control in controls.values():
        control.observe(redraw, names="value")
    redraw()
    header = [w.HTML(f"<b>{_escape(title)}</b>")] if title else []
    box = w.VBox([*header, w.HBox(list(controls.values()), layout=w.Layout(flex_flow="row wrap")), image, numbers])
    box.redraw = redraw
    box.image, box.numbers = image, numbers
    return box


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
