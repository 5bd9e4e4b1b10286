"""Saving and loading model weights as a NumPy ``.npz`` file (no pickle)."""

from __future__ import annotations

import os

import numpy as np

from ..model.module import Module


def save_weights(model: Module, path: str | os.PathLike) -> None:
    """Write every parameter of `model` by dotted name (arrays of the parameters' shapes and
    dtype) to the file `path`, in NumPy's .npz format. The file is written at exactly `path`
    (no ``.npz`` is appended), so the same path loads it back."""
    with open(path, "wb") as file:
        np.savez(file, **model.state_dict())


def load_weights(model: Module, path: str | os.PathLike) -> None:
    """Read weights written by `save_weights` into `model`. Pickled objects are refused; on
    missing keys, wrong shapes, non-numbers or NaN a ValueError is raised and the model is left
    exactly as it was."""
    refused = f"{os.fspath(path)!r} is not a plain .npz weights file (pickled objects are refused)"
    try:
        archive = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise ValueError(f"{refused}: {exc}") from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(f"{refused}: it holds a single array, expected named arrays")
    with archive:
        try:
            state = {name: archive[name] for name in archive.files}
        except ValueError as exc:
            raise ValueError(f"{refused}: {exc}") from None
    model.load_state_dict(state)
