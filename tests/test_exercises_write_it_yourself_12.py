"""Chapter 12's write-it-yourself exercise, one Adam step: a solution written as a reader would
passes; every known mistake is caught with its own diagnosis; wrong functions written here,
independently of the checker's list, are diagnosed; and the checker's two references (the
package's Adam, torch.optim.Adam) agree with each other."""

import numpy as np
import pytest

from transformer_lib.exercises import nb12
from transformer_lib.exercises.implement import check_implementation


def adam_step(param, grad, m, v, step, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad * grad
    m_hat = m / (1 - beta1**step)
    v_hat = v / (1 - beta2**step)
    return param - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def test_a_readers_solution_passes():
    result = nb12.check_adam_step(adam_step)
    assert result.passed, result.message


def test_the_stub_is_not_attempted():
    def adam_step(param, grad, m, v, step, lr, beta1, beta2, eps):
        ...

    result = nb12.check_adam_step(adam_step)
    assert not result.passed and "Not attempted" in result.message


@pytest.mark.parametrize("index", range(len(nb12.adam_step_exercise().mistakes)))
def test_every_known_mistake_is_caught_with_its_diagnosis(index):
    mistake = nb12.adam_step_exercise().mistakes[index]
    result = check_implementation(mistake.function, nb12.adam_step_exercise())
    assert not result.passed and mistake.diagnosis in result.message


def test_independently_written_mistakes_are_diagnosed():
    def without_correction(param, grad, m, v, step, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        return param - lr * m / (np.sqrt(v) + eps), m, v

    def eps_under_the_root(param, grad, m, v, step, lr, beta1, beta2, eps):
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        return param - lr * (m / (1 - beta1**step)) / np.sqrt(v / (1 - beta2**step) + eps), m, v

    def step_before_the_moments(param, grad, m, v, step, lr, beta1, beta2, eps):
        new_param = param - lr * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps)
        return new_param, beta1 * m + (1 - beta1) * grad, beta2 * v + (1 - beta2) * grad**2

    def in_place(param, grad, m, v, step, lr, beta1, beta2, eps):
        m *= beta1
        m += (1 - beta1) * grad
        v[...] = beta2 * v + (1 - beta2) * grad**2
        return param - lr * (m / (1 - beta1**step)) / (np.sqrt(v / (1 - beta2**step)) + eps), m, v

    for function, words in ((without_correction, "bias correction is missing"),
                            (eps_under_the_root, "eps is under the square root"),
                            (step_before_the_moments, "from before this gradient"),
                            (in_place, "in place")):
        result = nb12.check_adam_step(function)
        assert not result.passed and words in result.message, (function.__name__, result.message)


def test_the_two_references_agree():
    exercise = nb12.adam_step_exercise()
    package, torch_reference = exercise.references
    for case in exercise.cases:
        ours = package.function(*case.fresh_inputs())
        theirs = torch_reference.function(*case.fresh_inputs())
        np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(ours[0], adam_step(*case.fresh_inputs())[0], rtol=1e-12, atol=1e-15)
