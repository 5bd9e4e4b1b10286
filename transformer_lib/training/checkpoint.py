"""Saving and loading model weights, and whole training checkpoints (weights and the optimiser's
state, so that training can resume), as NumPy ``.npz`` files (no pickle)."""

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
    model.load_state_dict(_read_arrays(path))


OPTIMIZER_PREFIX = "optimizer/"  # names of the optimiser's arrays in a checkpoint; no parameter name has a /


def save_checkpoint(model: Module, optimizer, path: str | os.PathLike) -> None:
    """Write `model`'s weights (as `save_weights`) and `optimizer`'s state (its ``state_dict``:
    for Adam the step count and both moments) to the .npz file `path`, so that `load_checkpoint`
    can resume training exactly where it stopped."""
    arrays = model.state_dict() | {OPTIMIZER_PREFIX + name: value for name, value in optimizer.state_dict().items()}
    with open(path, "wb") as file:
        np.savez(file, **arrays)


def load_checkpoint(model: Module, optimizer, path: str | os.PathLike) -> None:
    """Read a checkpoint written by `save_checkpoint` into `model` and `optimizer` (built for
    that model): the next ``optimizer.step()`` is the one the saved run would have taken. On a
    file that does not fit, a ValueError, and the model and the optimiser are left as they were."""
    arrays = _read_arrays(path)
    state = {name[len(OPTIMIZER_PREFIX):]: value for name, value in arrays.items() if name.startswith(OPTIMIZER_PREFIX)}
    if not state:
        raise ValueError(f"{os.fspath(path)!r} holds weights only, no optimizer state: expected a file written "
                         "by save_checkpoint (load_weights reads weights alone)")
    weights = {name: value for name, value in arrays.items() if not name.startswith(OPTIMIZER_PREFIX)}
    saved = {name: value.copy() for name, value in model.parameters().items()}
    model.load_state_dict(weights)
    try:
        optimizer.load_state_dict(state)
    except ValueError:
        model.load_state_dict(saved)
        raise


def _read_arrays(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Every named array of the .npz file `path`; pickled objects are refused."""
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
    return state
