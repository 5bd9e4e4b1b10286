"""Interactive controls. Each explorer is a pure *view* function from its settings to a `View`
(a matplotlib Figure and the numbers it shows, as text), plus a thin ipywidgets layer built by
`explorer` that redraws the picture in place when a control moves.

One module per control; each offers ``<name>_view(**settings) -> View`` and
``<name>_explorer() -> ipywidgets.Widget``. A control holds no drawing code: it reads its
settings, computes the numbers with the model and the lesson helpers, and passes them to a
figure function of `transformer_lib.figures`, the same function the static figures use."""

from .base import View, explorer, show_view

__all__ = ["View", "explorer", "show_view"]
