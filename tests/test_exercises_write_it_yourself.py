"""The write-it-yourself exercises: for each, a solution written as a reader would passes its
checker; every known mistake of the exercise, as a wrong implementation, is caught with its own
diagnosis; and a few wrong functions written independently of the checker's list are diagnosed."""

import numpy as np
import pytest

from transformer_lib.exercises import nb03
from transformer_lib.exercises.implement import check_implementation


def attention(q, k, v, mask=None):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


EXERCISES = {
    "03 attention": (nb03.attention_exercise, nb03.check_attention, attention),
}


@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_passes(name):
    _, check, solution = EXERCISES[name]
    result = check(solution)
    assert result.passed, result.message


@pytest.mark.parametrize("name", EXERCISES)
def test_every_known_mistake_gets_its_own_diagnosis(name):
    exercise, check, _ = EXERCISES[name]
    mistakes = exercise().mistakes
    assert len(mistakes) >= 3
    for mistake in mistakes:
        result = check(mistake.function)
        assert not result.passed and mistake.diagnosis in result.message, (mistake.diagnosis, result.message)


@pytest.mark.parametrize("name", EXERCISES)
def test_the_stub_is_not_attempted_yet(name):
    exercise, check, _ = EXERCISES[name]

    def stub(*args):
        """The reader's stub."""
        raise NotImplementedError

    assert check(stub).message.startswith("Not attempted yet")
    assert check_implementation(stub, exercise()).message == check(stub).message


def test_attention_written_with_typical_slips():
    def sqrt_d_model_on_2d(q, k, v, mask=None):  # divides by a fixed 6 instead of sqrt(d_k)
        return attention(q * np.sqrt(q.shape[-1]) / 6, k, v, mask)

    def column_softmax(q, k, v, mask=None):
        scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            scores = np.where(mask, -np.inf, scores)
        e = np.exp(scores - scores.max(axis=-2, keepdims=True))
        w = e / e.sum(axis=-2, keepdims=True)
        return w @ v, w

    def mask_times_zero(q, k, v, mask=None):
        scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores * ~mask
        e = np.exp(scores)
        w = e / e.sum(axis=-1, keepdims=True)
        return w @ v, w

    assert "expected" in nb03.check_attention(sqrt_d_model_on_2d).message
    assert "over the queries" in nb03.check_attention(column_softmax).message
    assert "set to 0" in nb03.check_attention(mask_times_zero).message
