"""Figures shown in a notebook, drawn once.

A notebook shows a matplotlib figure through IPython's PNG formatter, which the inline backend
sets to ``savefig(bbox_inches="tight")``: one draw to measure the content, a second to paint
it, with the layout engine run in both. `png_bytes` draws once and crops the canvas to the same
content plus the same margin, in about two thirds of the time; the pictures agree up to the
fraction of a pixel by which savefig shifts the figure."""

from __future__ import annotations

import base64

import matplotlib
from matplotlib.figure import Figure

from .png import png_bytes

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


def shown_png(figure: Figure) -> str | None:
    """What the notebook stores for `figure`: its PNG, base64 encoded, as IPython's own
    formatter stores it; nothing for a figure with nothing drawn on it (as IPython's)."""
    if not figure.axes and not figure.lines:
        return None
    return base64.b64encode(png_bytes(figure, figure.dpi)).decode("ascii")


def draw_shown_figures_once() -> bool:
    """In an IPython kernel whose figures are shown inline as PNG with a tight crop (the
    default), show them through `shown_png`. Returns whether it did; elsewhere (a script,
    another backend, other formats or savefig arguments chosen) nothing changes. A later
    ``%matplotlib inline`` gives IPython's formatter back."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or matplotlib.rcParams["backend"] != INLINE_BACKEND:
        return False
    import matplotlib.pyplot as plt
    from matplotlib_inline.config import InlineBackend

    plt.switch_backend(INLINE_BACKEND)  # the backend sets its formatter when it loads: load it first
    settings = InlineBackend.instance(parent=shell)
    if set(settings.figure_formats) != {"png"} or settings.print_figure_kwargs != {"bbox_inches": "tight"}:
        return False
    shell.display_formatter.formatters["image/png"].for_type(Figure, shown_png)
    return True
