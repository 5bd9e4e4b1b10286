"""Chapter 12's reversal run repeated: the weights kept at step n of a longer run are those of a
run of n steps (the schedule depends on the step alone), a kept model can be read back in
float64, steps outside the run are refused, and the shipped partly trained model is what its script
trains."""

import numpy as np
import pytest

from transformer_lib.lessons import reversal
from transformer_lib.lessons.reversal_training import (
    PARTLY_TRAINED_STEPS,
    Recipe,
    partly_trained_model,
    train_partly_trained,
    train_reversal,
)
from transformer_lib.training.generation import generate


def test_a_shorter_run_is_the_start_of_a_longer_one():
    short = train_reversal(steps=3, seed=1)
    longer = train_reversal(steps=5, seed=1, keep=(3,))
    assert sorted(longer.weights_at) == [3, 5] and short.log.losses == longer.log.losses[:3]
    for name, value in short.model.parameters().items():
        np.testing.assert_array_equal(longer.weights_at[3][name], value, err_msg=name)
    moved = [not np.array_equal(longer.model.parameters()[name], value) for name, value in short.model.parameters().items()]
    assert sum(moved) > len(moved) // 2, "steps 4 and 5 changed the weights"


def test_a_kept_model_in_float64_holds_the_same_weights():
    run = train_reversal(steps=2, seed=0, keep=(1,))
    first = run.model_at(1, dtype="float64")
    assert first.dtype == np.float64
    for name, value in first.parameters().items():
        np.testing.assert_array_equal(value, run.weights_at[1][name].astype(np.float64), err_msg=name)


def test_steps_outside_the_run_are_refused():
    with pytest.raises(ValueError, match=r"keep must hold steps in \[1, 2\], got \(3,\)"):
        train_reversal(steps=2, keep=(3,))
    with pytest.raises(ValueError, match=r"no weights kept at step 1; kept: \[2\]"):
        train_reversal(steps=2).model_at(1)


def test_a_recipe_variant_changes_only_what_it_names():
    seen = []
    run = train_reversal(steps=2, seed=0, recipe=Recipe(norm_first=False, beta2=0.98, label_smoothing=0.0),
                         callback=lambda step, model, task: seen.append((step, model.config.norm_first)))
    assert seen == [(1, False), (2, False)]
    assert not run.model.decoder.final_norm and not run.model.encoder.final_norm
    same_start = train_reversal(steps=1, seed=0)
    np.testing.assert_array_equal(run.task.validation, same_start.task.validation)  # the data depend on the seed alone
    assert Recipe().describe() == "pre-norm, beta2 0.999, smoothing 0.1"
    assert Recipe(norm_first=False, beta2=0.98, label_smoothing=0.0).describe() == "post-norm, beta2 0.98, smoothing 0"
    assert run.log.losses[0] != same_start.log.losses[0]  # a different model and loss from the first step


def test_the_shipped_partly_trained_model_is_what_its_script_trains():
    """tools/train_partly_trained_reversal.py writes the checkpoint chapter 13 reads: training again
    the way it does gives the same weights (up to the rounding of another processor) and the same
    answers on the held-out sequences."""
    shipped, run = partly_trained_model(), train_partly_trained()
    assert len(run.log.losses) == PARTLY_TRAINED_STEPS
    for name, value in shipped.parameters().items():
        np.testing.assert_allclose(run.model.parameters()[name], value, rtol=0, atol=1e-3, err_msg=name)
    held_out = run.task.held_out_batch()
    answers = [generate(m, held_out.src, reversal.BOS_ID, 11, reversal.EOS_ID) for m in (shipped, run.model)]
    assert np.all(answers[0] == answers[1], axis=1).mean() >= 0.98


def test_the_partly_trained_model_reads_back_in_float64():
    model32, model64 = partly_trained_model(), partly_trained_model(dtype="float64")
    assert model32.dtype == np.float32 and model64.dtype == np.float64
    for name, value in model64.parameters().items():
        np.testing.assert_array_equal(value, model32.parameters()[name].astype(np.float64), err_msg=name)

