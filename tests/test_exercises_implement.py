"""The engine that checks a function the reader writes (exercises.implement), on a small made-up
exercise and on chapter 03's attention: the right function passes, and every way of being wrong
gets its own message."""

import numpy as np
import pytest

from transformer_lib.exercises import nb03
from transformer_lib.exercises.implement import (
    Case,
    Exercise,
    Mistake,
    Reference,
    check_implementation,
    finite_difference_gradients,
    random_case,
)


def _centre(x):
    return x - x.mean(axis=-1, keepdims=True)


CENTRE = Exercise(
    function_name="centre", outputs=("centred",),
    cases=(random_case(0, "a row", x=(6,)), random_case(1, "a batch", x=(2, 3, 4))),
    references=(Reference("the formula", _centre),),
    mistakes=(Mistake(lambda x: x - x.mean(axis=0, keepdims=True), "the mean is over the first axis."),),
    hint="subtract each row's mean.",
)


def test_the_right_function_passes_and_names_every_input_shape():
    result = check_implementation(_centre, CENTRE)
    assert result.passed
    assert "a row (x (6,))" in result.message and "a batch (x (2, 3, 4))" in result.message


@pytest.mark.parametrize("stub", ["raise", "ellipsis", "pass", "none", "ellipsis_object"])
def test_the_placeholder_is_not_attempted_yet(stub):
    def raising(x):
        """x (..., n)."""
        raise NotImplementedError

    def ellipsis(x):
        """x (..., n)."""
        ...

    def passing(x):
        pass

    function = {"raise": raising, "ellipsis": ellipsis, "pass": passing, "none": None, "ellipsis_object": ...}[stub]
    result = check_implementation(function, CENTRE)
    assert not result.passed and result.message.startswith("Not attempted yet") and "`centre`" in result.message


def test_an_exception_is_reported_with_its_message_and_the_line_of_the_readers_code():
    def centre(x):
        mean = x.mean(axis=-1, keepdims=True)
        return x - mean.reshape(5)

    result = check_implementation(centre, CENTRE)
    assert not result.passed
    assert "raised ValueError" in result.message and "reshape" in result.message
    assert "in `centre`, line 3: `return x - mean.reshape(5)`" in result.message
    assert "a row (x (6,))" in result.message


def test_a_function_that_forgets_return_is_told_so():
    def centre(x):
        x - x.mean(axis=-1, keepdims=True)

    result = check_implementation(centre, CENTRE)
    assert not result.passed and "returned None" in result.message and "return" in result.message


def test_wrong_shape_dtype_and_type_are_said():
    shape = check_implementation(lambda x: _centre(x)[..., :-1], CENTRE)
    assert not shape.passed and "has shape (5,), expected (6,)" in shape.message
    dtype = check_implementation(lambda x: _centre(x).astype(np.float32), CENTRE)
    assert not dtype.passed and "dtype float32, expected float64" in dtype.message
    kind = check_implementation(lambda x: _centre(x).tolist(), CENTRE)
    assert not kind.passed and "should be a NumPy array, got a list" in kind.message
    count = check_implementation(lambda x: (_centre(x), x), nb03.attention_exercise())
    assert not count.passed


def test_an_input_changed_in_place_is_caught():
    def centre(x):
        x -= x.mean(axis=-1, keepdims=True)
        return x

    result = check_implementation(centre, CENTRE)
    assert not result.passed and "changed its input `x`" in result.message and "entry [0]" in result.message


def test_the_first_wrong_entry_is_given_with_the_expected_and_the_given_value():
    def centre(x):
        out = _centre(x)
        if x.ndim == 3:
            out[1, 2, 3] += 0.5
        return out

    result = check_implementation(centre, CENTRE)
    case = CENTRE.cases[1].inputs["x"]
    right = _centre(case)[1, 2, 3]
    assert not result.passed and "a batch (x (2, 3, 4))" in result.message
    assert f"centred[1, 2, 3] is {right + 0.5:.6g}, expected {right:.6g} by the formula" in result.message


def test_a_known_mistake_gets_its_diagnosis():
    result = check_implementation(lambda x: x - x.mean(axis=0, keepdims=True), CENTRE)
    assert not result.passed and "the mean is over the first axis" in result.message


def test_not_a_function():
    result = check_implementation(np.zeros(3), CENTRE)
    assert not result.passed and "pass your function itself" in result.message


def test_finite_differences_agree_with_a_known_gradient():
    x = np.random.default_rng(0).standard_normal((2, 3))
    (grad,) = finite_difference_gradients(lambda x: float((x ** 3).sum()), wrt=[0])(x)
    np.testing.assert_allclose(grad, 3 * x ** 2, atol=1e-6)


def test_a_case_describes_its_arrays_only():
    case = Case({"x": np.zeros((2, 3)), "eps": 1e-5}, "a label")
    assert case.describe() == "a label (x (2, 3))"
