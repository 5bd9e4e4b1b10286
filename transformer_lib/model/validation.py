"""Input checks shared by the layers: each raises an error that names the argument, shows the
bad value and says what was expected, before anything is computed or changed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

_INSIDE_CHECKED_MODEL = ContextVar("inside_checked_model", default=False)


@contextmanager
def checked_at_the_boundary() -> Iterator[None]:
    """Within this block `check_array` skips its scan for NaN and inf (shapes are still checked).

    The Transformer runs its layers inside it: it checks the token ids it is given, every array
    a layer then sees is computed from them and the weights, and the loss checks the row sums of
    its logits (a NaN or +inf logit makes its row's sum NaN), so a NaN still stops training with
    a clear error at the loss. Scanning every intermediate array again costs several percent of
    a training step at this book's sizes. A layer called on its own, outside this block, scans
    its input as before."""
    token = _INSIDE_CHECKED_MODEL.set(True)
    try:
        yield
    finally:
        _INSIDE_CHECKED_MODEL.reset(token)


def as_token_ids(tokens, vocab_size: int, name: str = "tokens") -> np.ndarray:
    """Return `tokens` as an int64 array after checking every id is an integer in
    ``[0, vocab_size)``. Accepts lists, tuples and integer arrays of any shape."""
    arr = np.asarray(tokens)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must hold integer token ids, got dtype {arr.dtype} ({_preview(arr)}); "
            "use np.array(..., dtype=int)"
        )
    if arr.size and (arr.min() < 0 or arr.max() >= vocab_size):
        bad = arr[(arr < 0) | (arr >= vocab_size)]
        raise ValueError(
            f"{name} has token id {int(bad.flat[0])} outside the vocabulary: "
            f"expected ids in [0, {vocab_size - 1}]"
        )
    return arr.astype(np.int64, copy=False)


def check_array(
    x,
    name: str,
    ndim: int | None = None,
    shape: Sequence[int | None] | None = None,
    finite: bool = True,
) -> np.ndarray:
    """Check that `x` is a real array of rank `ndim` whose shape matches `shape` (None matches
    any size) and, if `finite`, holds no NaN or inf (not scanned inside `checked_at_the_boundary`).
    Returns it as an ndarray."""
    arr = np.asarray(x)
    if not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got dtype {arr.dtype}")
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimensions, got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            want is not None and got != want for got, want in zip(arr.shape, shape, strict=True)
        ):
            expected = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} has shape {arr.shape}, expected {expected}")
    if finite and not _INSIDE_CHECKED_MODEL.get() and np.issubdtype(arr.dtype, np.floating) and not np.all(np.isfinite(arr)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise ValueError(f"{name} contains NaN or inf ({arr[index]} at index {index}): expected finite numbers")
    return arr


def check_last_axis(x, name: str, size: int, finite: bool = True) -> np.ndarray:
    """Check that `x` is a real array of shape (..., size), finite if `finite` (as in
    `check_array`). Returns it as an ndarray."""
    arr = check_array(x, name, finite=finite)
    if arr.ndim < 1 or arr.shape[-1] != size:
        raise ValueError(f"{name} has shape {arr.shape}, expected (..., {size}): {size} features on the last axis")
    return arr


def check_mask(mask, name: str, shape: Sequence[int]) -> np.ndarray | None:
    """Check a boolean mask (True = blocked) broadcasts to `shape`. None passes through."""
    if mask is None:
        return None
    arr = np.asarray(mask)
    if arr.dtype != bool:
        raise TypeError(f"{name} must be a boolean array (True = masked out), got dtype {arr.dtype}")
    try:
        np.broadcast_shapes(arr.shape, tuple(shape))
    except ValueError:
        raise ValueError(
            f"{name} has shape {arr.shape}, which does not broadcast to the attention "
            f"scores of shape {tuple(shape)}"
        ) from None
    return arr


def _preview(arr: np.ndarray) -> str:
    flat = arr.ravel()[:4].tolist()
    return f"{flat}{' ...' if arr.size > 4 else ''}"
