"""Saving and loading model weights as a NumPy ``.npz`` file (no pickle)."""

from __future__ import annotations

import os

import numpy as np

from .module import Module


def save_weights(model: Module, path: str | os.PathLike) -> None:
    """Write every parameter of `model` by dotted name to `path` (.npz)."""
    np.savez(path, **model.state_dict())


def load_weights(model: Module, path: str | os.PathLike) -> None:
    """Read weights written by `save_weights` into `model`. Pickled objects are refused; on
    missing keys or wrong shapes a ValueError is raised and the model is left unchanged."""
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = {name: archive[name] for name in archive.files}
    except ValueError as exc:
        raise ValueError(f"{os.fspath(path)!r} is not a plain weights file (pickled objects are refused): {exc}") from None
    model.load_state_dict(state)
