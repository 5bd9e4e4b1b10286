"""Feedback for exercise answers: correct, not attempted, wrong type or shape, or wrong values
with a hint. Shown in a notebook as one plain sentence, never as a traceback."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CheckResult:
    """The verdict on one answer: `passed`, and the `message` shown to the reader."""

    passed: bool
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return self.passed


def correct(what: str) -> CheckResult:
    return CheckResult(True, f"Correct: {what}")


def wrong(message: str, hint: str | None = None) -> CheckResult:
    return CheckResult(False, f"Not yet: {message}" + (f" Hint: {hint}" if hint else ""))


def not_attempted(answer) -> bool:
    """True for the placeholders an exercise starts with (None or ...)."""
    return answer is None or answer is Ellipsis


# Tolerances (atol, rtol) of check_matrix for an answer copied from a printout: 4 decimals, or
# 3 significant digits of a large number.
ROUNDED = {"atol": 5e-5, "rtol": 5e-3}

NOT_ATTEMPTED = CheckResult(False, "Not attempted yet: replace the ... with your answer and run the cell again.")


def as_number_array(answer, name: str) -> np.ndarray | CheckResult:
    """`answer` as a float array, or the CheckResult to show instead: not attempted yet (the
    placeholder is still there) or not numbers."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    try:
        arr = np.asarray(answer, dtype=np.float64)
    except (TypeError, ValueError):
        return wrong(f"{name} should be an array of numbers, got {type(answer).__name__}.")
    return arr


def is_whole_number(item) -> bool:
    """True for an int, or a finite float without a fractional part; never for a bool."""
    return (not isinstance(item, (bool, np.bool_)) and isinstance(item, (int, float, np.integer, np.floating))
            and bool(np.isfinite(item)) and item == int(item))


Mistakes = Sequence[tuple[object, str]]


def known_mistake(arr: np.ndarray, mistakes: Mistakes, hint: str, atol: float, rtol: float = 0.0) -> CheckResult | None:
    """The feedback for the first typical wrong answer `arr` equals (same shape, values within
    `atol` + `rtol` times the wrong answer), or None. `mistakes` holds (wrong answer, what it
    shows) pairs."""
    for candidate, message in mistakes:
        candidate = np.asarray(candidate, dtype=np.float64)
        if arr.shape == candidate.shape and np.allclose(arr, candidate, atol=atol, rtol=rtol):
            return wrong(message, hint)
    return None


def check_matrix(answer, expected: np.ndarray, name: str, hint: str, atol: float = 1e-6,
                 what: str | None = None, mistakes: Mistakes = (), rtol: float = 0.0) -> CheckResult:
    """Compare an array answer with `expected`: type, then the typical `mistakes` (their own
    message), then shape, then values (within `atol` + `rtol` |expected|; `ROUNDED` accepts
    an answer copied from the notebook's printout, 3 significant digits or 4 decimals)."""
    arr = as_number_array(answer, name)
    if isinstance(arr, CheckResult):
        return arr
    diagnosis = known_mistake(arr, mistakes, hint, atol, rtol)
    if diagnosis is not None:
        return diagnosis
    expected = np.asarray(expected, dtype=np.float64)
    if arr.shape != expected.shape:
        return wrong(f"{name} has shape {arr.shape}, expected {expected.shape}.", hint)
    if not np.all(np.isfinite(arr) == np.isfinite(expected)):
        return wrong(f"{name} has NaN or inf where the answer has none (or the reverse).", hint)
    finite = np.isfinite(expected)
    if not np.allclose(arr[finite], expected[finite], atol=atol, rtol=rtol):
        worst = np.unravel_index(np.argmax(np.where(finite, np.abs(arr - expected), 0)), arr.shape)
        return wrong(f"{name}{[int(i) for i in worst]} is {arr[worst]:.4f}, expected {expected[worst]:.4f}.", hint)
    return correct(what or f"{name} matches.")


def check_scalar(answer, expected: float, name: str, hint: str, atol: float = 1e-6,
                 what: str | None = None, mistakes: Mistakes = (), mistake_atol: float | None = None,
                 mistake_rtol: float = 0.0) -> CheckResult:
    """Compare a single-number answer with `expected` within `atol`; a typical wrong value in
    `mistakes` (within `mistake_atol`, default `atol`, plus `mistake_rtol` of the wrong value)
    gets its own message."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)) and not (
        isinstance(answer, np.ndarray) and answer.size == 1
    ):
        return wrong(f"{name} should be a single number, got {type(answer).__name__}.", hint)
    value = float(np.asarray(answer).ravel()[0])
    diagnosis = known_mistake(np.array(value), mistakes, hint, atol if mistake_atol is None else mistake_atol,
                              mistake_rtol)
    if diagnosis is not None:
        return diagnosis
    if not abs(value - expected) <= atol:
        return wrong(f"{name} is {value:.4f}, expected something else: it is too {'large' if value > expected else 'small'}.",
                     hint)
    return correct(what or f"{name} = {value:.4f}.")
