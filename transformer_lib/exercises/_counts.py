"""A checker for whole-number answers (sizes, parameter counts) that recognises typical wrong
numbers and answers each with its own hint."""

from __future__ import annotations

import numpy as np

from .feedback import NOT_ATTEMPTED, CheckResult, correct, not_attempted, wrong


def check_count(answer, expected: int, name: str, hint: str, known_mistakes: dict[int, str] | None = None,
                what: str | None = None) -> CheckResult:
    """`answer` must be the whole number `expected` (an int, a whole float, or a 0-d NumPy array
    of one); a value in `known_mistakes` gets that explanation instead of the generic hint, and
    every wrong value is told whether it is too large or too small."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    if isinstance(answer, np.ndarray) and answer.ndim == 0:
        answer = answer[()]
    if isinstance(answer, (bool, np.bool_)) or not isinstance(answer, (int, float, np.integer, np.floating)):
        return wrong(f"{name} should be a whole number, got {type(answer).__name__}.", hint)
    if not np.isfinite(answer) or answer != int(answer):
        return wrong(f"{name} should be a whole number, got {answer!r}.", hint)
    value = int(answer)
    if value == expected:
        return correct(what or f"{name} = {expected:,}.")
    off = f"{name} is not {value:,} (too {'large' if value > expected else 'small'})"
    if known_mistakes and value in known_mistakes:
        return wrong(f"{off}: {known_mistakes[value]}", hint)
    return wrong(f"{off}.", hint)


def check_shape(answer, expected: tuple[int, ...], name: str, hint: str,
                known_mistakes: dict[tuple[int, ...], str] | None = None) -> CheckResult:
    """`answer` must be the shape `expected`, given as a tuple (or list, or 1-d integer NumPy
    array) of whole numbers."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    if isinstance(answer, np.ndarray) and answer.ndim == 1 and answer.dtype.kind in "iu":
        answer = tuple(answer.tolist())  # np.array(x.shape) is a shape too
    if not isinstance(answer, (tuple, list)) or not all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in answer
    ):
        return wrong(f"{name} should be a tuple of whole numbers such as (2, 3), got {answer!r}.", hint)
    shape = tuple(int(n) for n in answer)
    if shape == expected:
        return correct(f"{name} is {expected}.")
    if known_mistakes and shape in known_mistakes:
        return wrong(f"{name} is not {shape}: {known_mistakes[shape]}", hint)
    return wrong(f"{name} is not {shape}.", hint)
