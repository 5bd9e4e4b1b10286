"""Interactive controls. Each explorer is a pure *view* function from its settings to a `View`
(a matplotlib Figure and the numbers it shows, as text), plus a thin ipywidgets layer built by
`explorer` that redraws the picture in place when a control moves.

One module per control; each offers ``<name>_view(**settings) -> View`` and
``<name>_explorer() -> ipywidgets.Widget``."""

from .base import View, explorer, show_view

__all__ = ["View", "explorer", "show_view"]
