"""The sub-layers of a package layer handed to the reader as plain functions, for the exercises
that wire a whole layer: the reader calls ``attention(query, key_value, mask)``, ``feed_forward(x)``
or ``norm1(x)`` and never sees the weights; a trusted reference reaches the layer they belong to
through ``.layer``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..model.module import Module


@dataclass(frozen=True, eq=False)
class Piece:
    """One sub-layer of `layer` as a function: calling it calls `function` (a bound ``forward``
    of one of the layer's children). `name` is what the reader knows it by."""

    name: str
    function: Callable
    layer: Module

    def __call__(self, *args, **kwargs):
        return self.function(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self.name} of a {type(self.layer).__name__}>"


def pieces(layer: Module, names: dict[str, str]) -> dict[str, Piece]:
    """{argument name: Piece} for the children of `layer` named in `names` ({argument name:
    child name}), each piece calling that child's ``forward``."""
    return {argument: Piece(argument, getattr(layer, child).forward, layer) for argument, child in names.items()}
