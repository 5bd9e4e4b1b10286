import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import transformer_lib as tl
from transformer_lib import toy
from transformer_lib.exercises import nb10


def test_generator_parameters_match_a_linear_layer():
    generator = tl.Linear(512, 37_000, np.random.default_rng(0))
    assert nb10.check_generator_parameters(generator.num_parameters()).passed
    assert nb10.check_generator_parameters(18_981_000).passed
    assert nb10.check_generator_parameters(18_981_000.0).passed
    for answer, words in [(512 * 37_000, "weight matrix alone"), (512 * 37_000 + 512, "one per token"),
                          (512 * 512 + 512, "512 x 512"), (19_000_000, "not 19,000,000"), ("18981000", "whole number"),
                          (18_981_000.5, "whole number"), (..., "Not attempted")]:
        result = nb10.check_generator_parameters(answer)
        assert not result.passed and words in result.message, answer


def running_example_probabilities():
    model = toy.toy_model(seed=0)
    model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])
    return tl.softmax(model.trace()["logits"][0])


def test_cross_entropy_solution_is_the_package_and_torch_loss():
    probs = running_example_probabilities()
    np.testing.assert_allclose(nb10.running_example_probabilities(), probs, atol=0)
    solution = -np.log(probs[np.arange(3), toy.TARGET_IDS]).mean()
    model = toy.toy_model(seed=0)
    logits = model.forward(toy.SOURCE_IDS[None], toy.DECODER_INPUT_IDS[None])[0]
    assert math.isclose(solution, tl.CrossEntropyLoss().forward(logits, toy.TARGET_IDS), abs_tol=1e-12)
    assert math.isclose(solution, F.cross_entropy(torch.as_tensor(logits), torch.as_tensor(toy.TARGET_IDS)).item(),
                        abs_tol=1e-12)
    assert nb10.check_cross_entropy(solution).passed
    assert nb10.check_cross_entropy(round(float(solution), 4)).passed
    assert nb10.check_cross_entropy(np.array([solution])).passed


def test_cross_entropy_rejects_typical_mistakes():
    probs = running_example_probabilities()
    right = probs[np.arange(3), toy.TARGET_IDS]
    for answer, words in [
        (-np.log(right).sum(), "sum over the positions"),
        (np.log(right).mean(), "the sign"),
        (-np.log10(right).mean(), "log base 10"),
        (-np.log(probs[np.arange(3), toy.DECODER_INPUT_IDS]).mean(), "decoder *input* tokens"),
        (-np.log(probs.max(axis=1)).mean(), "largest probability"),
        (-np.log(probs).mean(), "all 11 tokens"),
        (1 - right.mean(), "not 1 - p"),
        (math.log(11), "uniform guess"),
        (2.0, "the loss is 2.0000"),
        (float("nan"), "the loss is nan"),
        ("2.52", "single number"),
        ([2.52, 1.0], "single number"),
        (True, "single number"),
        (..., "Not attempted"),
    ]:
        result = nb10.check_cross_entropy(answer)
        assert not result.passed and words in result.message, answer


def test_smoothed_target_is_what_the_package_trains_towards():
    """The package's label-smoothed loss is the cross-entropy against the checker's target."""
    target = nb10.smoothed_target()
    logits = np.random.default_rng(1).normal(size=11)
    loss = tl.CrossEntropyLoss(label_smoothing=0.1).forward(logits[None], np.array([3]))
    assert math.isclose(loss, -(target * tl.log_softmax(logits)).sum(), abs_tol=1e-12)
    assert math.isclose(target.sum(), 1.0, abs_tol=1e-12)
    assert nb10.check_smoothed_target(target).passed
    assert nb10.check_smoothed_target(list(np.round(target, 4))).passed


def test_smoothed_target_rejects_typical_mistakes():
    one_hot = np.eye(11)[3]
    other_convention = np.where(one_hot == 1, 0.9, 0.01)
    no_share = np.where(one_hot == 1, 0.9, 0.1 / 11)
    for answer, words in [
        (one_hot, "without smoothing"),
        (other_convention, "10 wrong tokens only"),
        (no_share, "also gets its share"),
        (one_hot + 0.1 / 11, "must shrink"),
        (0.9 * one_hot, "sums to 0.9"),
        (np.full(11, 1 / 11), "entry 3"),
        (np.full(11, 0.5), "sum to 5.5000"),
        (nb10.smoothed_target()[:10], "shape (10,)"),
        (nb10.smoothed_target()[None], "shape (1, 11)"),
        (np.full(11, np.nan), "NaN or inf"),
        ("0.9 0.01", "array of numbers"),
        (None, "Not attempted"),
    ]:
        result = nb10.check_smoothed_target(answer)
        assert not result.passed and words in result.message, answer


def test_uniform_loss():
    logits = np.zeros((2, 37_000))
    uniform = tl.CrossEntropyLoss().forward(logits, np.array([5, 36_999]))
    assert nb10.check_uniform_loss(uniform).passed
    assert nb10.check_uniform_loss(10.5187).passed
    for answer, words in [(math.log10(37_000), "base 10"), (math.log2(37_000), "base 2"), (1 / 37_000, "probability"),
                          (0.000027, "probability"), (-math.log(37_000), "the sign"), (math.log(11), "toy vocabulary"),
                          (10.0, "the loss is 10.0000"), ("10.5", "single number"), (..., "Not attempted")]:
        result = nb10.check_uniform_loss(answer)
        assert not result.passed and words in result.message, answer


@pytest.mark.parametrize("checker", [nb10.check_generator_parameters, nb10.check_cross_entropy,
                                     nb10.check_smoothed_target, nb10.check_uniform_loss])
def test_checkers_never_raise(checker):
    for answer in [object(), {}, [[1, 2], [3]], float("nan"), float("inf"), -1, b"x", [], np.zeros(0), [None],
                   "", "  ", np.zeros((3, 11)), {"a": 1}]:
        assert not checker(answer).passed, answer
