"""Checking a function the reader writes: run it on inputs of several shapes and compare what it
returns with trusted computations of the same thing (the package's plain implementation,
PyTorch's own functions, finite differences), then say what is wrong in one sentence.

An exercise is described by `Case`s (the inputs, drawn at random with a fixed seed, one of them
of the running example's shape), `Reference`s (functions with the reader's signature that give
the right outputs), and known mistakes (wrong functions with the same signature, each with the
diagnosis to show when the reader's outputs equal its outputs). `check_implementation` turns the
reader's function into a `CheckResult`; it never raises.

What the reader may see, in the order it is looked for:
- not attempted yet (the stub still raises NotImplementedError, or its body is ``...``);
- the exception their function raised, with the line of their code it came from;
- an input changed in place;
- outputs of the wrong kind, number, shape or dtype;
- the first wrong entry, expected against given, for the first input shapes that fail, and the
  diagnosis of the known mistake it matches, if any.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .feedback import CheckResult, correct, wrong


@dataclass(frozen=True)
class Case:
    """One set of inputs, passed to the functions positionally in this order. `label` says
    where the shapes come from (e.g. "the running example"); the message adds the shapes."""

    inputs: dict[str, object]
    label: str = ""

    def describe(self) -> str:
        shapes = ", ".join(f"{name} {_shape_text(value)}" for name, value in self.inputs.items()
                           if isinstance(value, np.ndarray))
        if not shapes:  # only numbers: the label says them
            return self.label
        return f"{self.label} ({shapes})" if self.label else shapes

    def fresh_inputs(self) -> list[object]:
        """Copies of the inputs, so that no function sees what another one changed."""
        return [value.copy() if isinstance(value, np.ndarray) else value for value in self.inputs.values()]


@dataclass(frozen=True)
class Reference:
    """A trusted computation with the reader's signature, returning the outputs in the
    exercise's order (None for an output it does not give, such as attention weights from
    PyTorch's fused attention). Its answers count as equal within `atol` + `rtol` |expected|."""

    name: str
    function: Callable
    atol: float = 1e-8
    rtol: float = 1e-6


@dataclass(frozen=True)
class Mistake:
    """A typical wrong implementation (same signature as the reader's) and what it shows."""

    function: Callable
    diagnosis: str


@dataclass(frozen=True)
class Exercise:
    """Everything a check needs: the function's name (as in the stub), the names of its
    outputs, the cases, the references (the first one gives every output), the known mistakes
    and a hint shown with a wrong answer."""

    function_name: str
    outputs: tuple[str, ...]
    cases: tuple[Case, ...]
    references: tuple[Reference, ...]
    mistakes: tuple[Mistake, ...] = ()
    hint: str = ""
    success: str = ""
    non_finite: str = ("a NaN or inf appears where the answer is a finite number: look for exp of a large "
                       "number, log(0) or a division by 0.")


# -- the check ----------------------------------------------------------------------------------

def check_implementation(function, exercise: Exercise) -> CheckResult:
    """The verdict on the reader's `function` for `exercise`."""
    name = exercise.function_name
    if function is None or function is Ellipsis:
        return _not_attempted(name)
    if not callable(function):
        return wrong(f"pass your function itself, `{name}`, not a {type(function).__name__}.")
    if _is_placeholder(function):
        return _not_attempted(name)
    for case in exercise.cases:
        result = _check_case(function, exercise, case)
        if result is not None:
            return result
    shapes = "; ".join(case.describe() for case in exercise.cases)
    checked = ", ".join(reference.name for reference in exercise.references)
    message = f"`{name}` agrees with {checked} on {len(exercise.cases)} inputs: {shapes}."
    return correct(f"{exercise.success} {message}" if exercise.success else message)


def _check_case(function, exercise: Exercise, case: Case) -> CheckResult | None:
    """The first problem of `function` on `case`, or None when it gets every output right."""
    name, where = exercise.function_name, case.describe()
    arguments = case.fresh_inputs()
    try:
        with np.errstate(all="ignore"):
            given = function(*arguments)
    except NotImplementedError:
        return _not_attempted(name)
    except Exception as error:  # the reader's code may raise anything: report it, never re-raise
        return wrong(f"`{name}` raised {type(error).__name__}: {error} {_where_raised(error, function)}, "
                     f"on {where}.", exercise.hint)
    changed = _changed_input(case, arguments)
    if changed is not None:
        return wrong(f"`{name}` changed its input {changed} in place (on {where}); leave the inputs as they "
                     "are: compute into new arrays (x = x - m makes a new array, x -= m overwrites the caller's).")
    expected = _reference_outputs(exercise, case)
    given = _as_outputs(given, exercise.outputs)
    if isinstance(given, str):
        return wrong(f"`{name}` {given} (on {where}).", exercise.hint)
    for output, value in zip(exercise.outputs, given, strict=True):
        problem = _kind_problem(value, expected[output][0][1], output)
        if problem is not None:
            diagnosis = _diagnosis(exercise, case, given)
            if diagnosis is not None:
                return wrong(f"{diagnosis} ({problem} on {where}.)", exercise.hint)
            return wrong(f"{problem} on {where}.", exercise.hint)
    for output, value in zip(exercise.outputs, given, strict=True):
        for reference, right in expected[output]:
            entry = _first_wrong_entry(np.asarray(value), right, reference)
            if entry is not None:
                return _wrong_values(function, exercise, case, given, output, entry, expected[output])
    return None


def _wrong_values(function, exercise, case, given, output, entry, agreeing) -> CheckResult:
    index, value, right = entry
    index_text = f"[{', '.join(str(i) for i in index)}]" if index else ""
    sources = " and ".join(reference.name for reference, _ in agreeing)
    located = (f"on {case.describe()}, {output}{index_text} is {_number(value)}, expected {_number(right)} "
               f"by {sources}")
    diagnosis = _diagnosis(exercise, case, given)
    if diagnosis is None and not np.all(np.isfinite(np.asarray(value, dtype=np.float64))) and np.isfinite(right):
        diagnosis = exercise.non_finite
    if diagnosis is not None:
        return wrong(f"{diagnosis} ({located[0].lower() + located[1:]}.)", exercise.hint)
    return wrong(f"{located[0].upper() + located[1:]}.", exercise.hint)


def _diagnosis(exercise: Exercise, case: Case, given: tuple) -> str | None:
    """The diagnosis of the first known mistake whose outputs equal the reader's on `case`."""
    for mistake in exercise.mistakes:
        try:
            with np.errstate(all="ignore"):
                outputs = _as_outputs(mistake.function(*case.fresh_inputs()), exercise.outputs)
        except Exception:  # noqa: BLE001 (a mistake that cannot run on this case does not match)
            continue
        if isinstance(outputs, str):
            continue
        if all(_same(np.asarray(a), np.asarray(b)) for a, b in zip(given, outputs, strict=True)):
            return mistake.diagnosis
    return None


# -- the pieces ---------------------------------------------------------------------------------

def _not_attempted(name: str) -> CheckResult:
    return CheckResult(False, f"Not attempted yet: write the body of `{name}` (in place of "
                              "`raise NotImplementedError`) and run its cell and this one again.")


def _is_placeholder(function) -> bool:
    """True when the function's body is only a docstring and ``...`` or ``pass``."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return False
    body = list(definition.body)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    return all(isinstance(statement, ast.Pass) or (isinstance(statement, ast.Expr) and isinstance(
        statement.value, ast.Constant) and statement.value.value is Ellipsis) for statement in body)


def _where_raised(error: BaseException, function) -> str:
    """'in `f`, line 3: `code`' for the deepest frame of the reader's file, counted from the
    ``def`` line of the function that frame runs; '' if the error did not pass through it."""
    filename = getattr(getattr(function, "__code__", None), "co_filename", None)
    frame = None
    traceback = error.__traceback__
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == filename:
            frame = traceback
        traceback = traceback.tb_next
    if frame is None:
        return ""
    code = frame.tb_frame.f_code
    line = linecache.getline(filename, frame.tb_lineno).strip()
    place = f"in `{code.co_name}`, line {frame.tb_lineno - code.co_firstlineno + 1}"
    return f"{place}: `{line}`" if line else place


def _changed_input(case: Case, arguments: list) -> str | None:
    """'`x` (entry [0, 1] was 0.5, is now 0.2)' for the first input the call changed, or None."""
    for (name, before), after in zip(case.inputs.items(), arguments, strict=True):
        if not isinstance(before, np.ndarray):
            continue
        if after.shape != before.shape:
            return f"`{name}` (its shape was {before.shape}, is now {after.shape})"
        differs = ~((after == before) | (_isnan(after) & _isnan(before)))
        if differs.any():
            index = tuple(int(i) for i in np.argwhere(differs)[0])
            return (f"`{name}` (entry {list(index)} was {_number(before[index])}, "
                    f"is now {_number(after[index])})")
    return None


def _reference_outputs(exercise: Exercise, case: Case) -> dict[str, list[tuple[Reference, np.ndarray]]]:
    """For each output, the references that give it and their values."""
    expected: dict[str, list[tuple[Reference, np.ndarray]]] = {output: [] for output in exercise.outputs}
    for reference in exercise.references:
        values = _as_outputs(reference.function(*case.fresh_inputs()), exercise.outputs, allow_none=True)
        if isinstance(values, str):
            raise RuntimeError(f"the reference {reference.name} {values}")
        for output, value in zip(exercise.outputs, values, strict=True):
            if value is not None:
                expected[output].append((reference, np.asarray(value)))
    return expected


def _as_outputs(result, names: tuple[str, ...], allow_none: bool = False) -> tuple | str:
    """`result` as a tuple with one entry per output name, or what is wrong with it."""
    if len(names) == 1:
        result = (result,)
    elif not isinstance(result, (tuple, list)) or len(result) != len(names):
        got = f"{len(result)} values" if isinstance(result, (tuple, list)) else f"a {type(result).__name__}"
        return f"should return {len(names)} values, ({', '.join(names)}), but returned {got}"
    for name, value in zip(names, result, strict=True):
        if value is None and not allow_none:
            return f"returned None for {name}: does it end with `return ...`?"
        if value is Ellipsis:
            return f"returned the placeholder ... for {name}: compute it and return it"
    return tuple(result)


def _kind_problem(value, expected: np.ndarray, output: str) -> str | None:
    """What makes `value` unlike `expected` before any number is compared, or None."""
    if expected.ndim == 0:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number, np.ndarray)) \
                or np.ndim(value) != 0:
            return f"{output} should be a single number, got {_type_text(value)}"
        return None
    if not isinstance(value, np.ndarray):
        return f"{output} should be a NumPy array, got {_type_text(value)} (np.asarray turns it into one)"
    if value.shape != expected.shape:
        return f"{output} has shape {value.shape}, expected {expected.shape}"
    if value.dtype != expected.dtype:
        return f"{output} has dtype {value.dtype}, expected {expected.dtype}"
    return None


def _first_wrong_entry(value: np.ndarray, expected: np.ndarray, reference: Reference):
    """(index, given, expected) of the first entry (in row-major order) outside the reference's
    tolerance, or None. Infinities and NaN must match exactly."""
    if expected.dtype == bool or value.dtype == bool:
        differs = value != expected
    else:
        value64, expected64 = value.astype(np.float64), expected.astype(np.float64)
        with np.errstate(invalid="ignore"):
            close = np.abs(value64 - expected64) <= reference.atol + reference.rtol * np.abs(expected64)
        same_special = (value64 == expected64) | (_isnan(value64) & _isnan(expected64))
        differs = ~(close | same_special)
    if not np.any(differs):
        return None
    index = tuple(int(i) for i in np.argwhere(np.atleast_1d(differs))[0]) if value.ndim else ()
    return index, value[index] if index else value.item(), expected[index] if index else expected.item()


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape != b.shape or a.dtype.kind not in "biuf" or b.dtype.kind not in "biuf":
        return False
    if a.dtype == bool or b.dtype == bool:
        return bool(np.array_equal(a, b))
    return bool(np.allclose(a.astype(np.float64), b.astype(np.float64), atol=1e-7, rtol=1e-5, equal_nan=True))


def _isnan(a: np.ndarray) -> np.ndarray:
    return np.isnan(a) if np.issubdtype(a.dtype, np.floating) else np.zeros(a.shape, dtype=bool)


def _number(x) -> str:
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    return f"{float(x):.6g}"


def _shape_text(value: np.ndarray) -> str:
    return str(value.shape) if value.ndim else "(a number)"


def _type_text(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


# -- references computed by finite differences --------------------------------------------------

def random_case(seed: int, label: str = "", **shapes) -> Case:
    """A case of standard-normal float64 inputs of the given shapes (``x=(2, 3, 6)``), drawn
    from `seed`; other keyword values (masks, ids, numbers) are passed as they are."""
    rng = np.random.default_rng(seed)
    inputs = {name: rng.standard_normal(shape) if isinstance(shape, tuple) else shape
              for name, shape in shapes.items()}
    return Case(inputs, label)


def finite_difference_gradients(loss: Callable[..., float], wrt: Sequence[int], h: float = 1e-6) -> Callable:
    """A reference for a backward pass: given `loss(*inputs)` (a number), returns a function of
    the same inputs giving dloss/d(input) for each position in `wrt`, by centred differences
    (loss(x + h) - loss(x - h)) / 2h, one entry at a time. For small inputs only."""

    def gradients(*inputs):
        inputs = [value.astype(np.float64) if isinstance(value, np.ndarray) and value.dtype.kind == "f" else value
                  for value in inputs]
        grads = []
        for position in wrt:
            x = inputs[position]
            grad = np.zeros_like(x)
            for index in np.ndindex(x.shape):
                old = x[index]
                x[index] = old + h
                plus = loss(*inputs)
                x[index] = old - h
                minus = loss(*inputs)
                x[index] = old
                grad[index] = (plus - minus) / (2 * h)
            grads.append(grad)
        return tuple(grads)

    return gradients


__all__ = ["Case", "Exercise", "Mistake", "Reference", "check_implementation", "finite_difference_gradients",
           "random_case"]
