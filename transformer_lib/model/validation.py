"""Input checks, each raising an error that names the argument, shows the bad value and says what
was expected, before anything is computed or changed.

Values are checked once, where they enter: the Transformer checks the token ids, padding masks and
memory it is given, the loss its logits and targets, `load_state_dict` the weights, a config its
sizes. A layer checks the shapes of what it is given (that costs nothing and catches a layer
wired by hand to the wrong input), not the values again."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def check_positive_integer(value, name: str) -> None:
    """Raise unless `value` is an integer >= 1 (a bool is not a size)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def check_divisible_heads(d_model: int, num_heads: int) -> None:
    """Raise unless `num_heads` heads split `d_model` features evenly."""
    check_positive_integer(num_heads, "num_heads")
    if d_model % num_heads:
        raise ValueError(
            f"d_model ({d_model}) must be divisible by num_heads ({num_heads}): "
            "each head gets d_model / num_heads features"
        )


def as_token_ids(tokens, vocab_size: int, name: str = "tokens") -> np.ndarray:
    """Return `tokens` as an int64 array after checking that it is rectangular and every id is an
    integer in ``[0, vocab_size)``. Accepts lists, tuples and integer arrays of any shape."""
    try:
        arr = np.asarray(tokens)
    except ValueError:  # NumPy's "inhomogeneous shape": rows of different lengths
        raise ValueError(
            f"{name}={_short_repr(tokens)} is a ragged batch{_row_lengths(tokens)}: expected sequences of "
            "one length (pad the shorter ones with the padding id)"
        ) from None
    if arr.size == 0 and arr.dtype != object:  # np.asarray([[]]) is float64; an empty batch has no wrong id
        return arr.astype(np.int64)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        raise TypeError(
            f"{name} must hold integer token ids, got dtype {arr.dtype} ({_preview(arr)}); "
            "use np.array(..., dtype=int)"
        )
    if arr.min() < 0 or arr.max() >= vocab_size:
        bad = arr[(arr < 0) | (arr >= vocab_size)]
        raise ValueError(
            f"{name} has token id {int(bad.flat[0])} outside the vocabulary: "
            f"expected ids in [0, {vocab_size - 1}]"
        )
    return arr.astype(np.int64, copy=False)


def check_array(x, name: str, ndim: int | None = None, shape: Sequence[int | None] | None = None) -> np.ndarray:
    """Check that `x` is a real array of rank `ndim` whose shape matches `shape` (None matches
    any size). Returns it as an ndarray. Values are not scanned: see `check_finite`."""
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
    return arr


def check_finite(x: np.ndarray, name: str) -> np.ndarray:
    """Raise if the array `x` holds NaN or inf, naming the first one and its index. Returns `x`."""
    if np.issubdtype(x.dtype, np.floating) and not np.all(np.isfinite(x)):
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(f"{name} contains NaN or inf ({x[index]} at index {index}): expected finite numbers")
    return x


def check_last_axis(x, name: str, size: int) -> np.ndarray:
    """Check that `x` is a real array of shape (..., size). Returns it as an ndarray."""
    arr = check_array(x, name)
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


def _short_repr(value, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + " ..."


def _row_lengths(tokens) -> str:
    """`` (sequences of lengths [2, 1])`` when the rows of `tokens` have different lengths, else ''."""
    try:
        lengths = [len(row) for row in tokens]
    except TypeError:
        return ""
    return f" (sequences of lengths {lengths[:8]}{' ...' if len(lengths) > 8 else ''})" if len(set(lengths)) > 1 else ""


def check_dropout_probability(p, name: str = "dropout") -> float:
    """`p` as a float after checking it is a probability in [0, 1): the chance that dropout zeroes
    a number. p = 1 would zero everything and scale the rest by 1 / (1 - p) = infinity."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number in [0, 1) (the probability of zeroing a number), got {p!r}")
    if not 0 <= p < 1:
        raise ValueError(f"{name} must be in [0, 1) (the probability of zeroing a number; the paper uses 0.1), "
                         f"got {p!r}")
    return float(p)
