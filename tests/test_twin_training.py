"""The reversal recipe's whole training loop against PyTorch's own, in float64: the pre-norm model
with its final norms, real padded batches of the task, the paper's warm-up (``LambdaLR``), Adam
(``torch.optim.Adam``) and label smoothing (``F.cross_entropy(label_smoothing=...)``). Losses agree
at every step and the weights after the last, to float64 rounding."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib import reversal
from transformer_lib.training.gradcheck import zero_in_exact_arithmetic

torch = pytest.importorskip("torch")
from transformer_lib.reference.twin_training import paper_schedule, train_side_by_side  # noqa: E402

STEPS, WARMUP = 12, 4  # the schedule rises for 4 steps, then decays


def reversal_side_by_side(label_smoothing=reversal.LABEL_SMOOTHING, steps=STEPS):
    task = reversal.ReversalTask(seed=2, batch_size=reversal.BATCH_SIZE, validation_size=5, test_size=5)
    batches = [task.next_batch() for _ in range(steps)]
    model = tl.Transformer(reversal.reversal_config(dtype="float64"), seed=2)
    start = model.state_dict()
    result = train_side_by_side(model, batches, steps, betas=reversal.ADAM_BETAS, eps=reversal.ADAM_EPS,
                                warmup_steps=WARMUP, factor=reversal.LR_FACTOR, label_smoothing=label_smoothing)
    return model, start, batches, result


def test_the_reversal_recipe_takes_the_same_steps_as_pytorchs():
    model, start, batches, result = reversal_side_by_side()
    assert model.encoder.final_norm and model.decoder.final_norm
    assert (batches[0].src == reversal.PAD_ID).any()  # padded batches
    assert result.loss_differences.max() < 1e-12
    assert result.weight_difference < 1e-9
    assert max(d for name, d in result.weight_differences.items() if not zero_in_exact_arithmetic(name)) < 1e-12
    expected = [tl.warmup_learning_rate(s, 32, WARMUP, reversal.LR_FACTOR) for s in range(1, STEPS + 1)]
    np.testing.assert_allclose(result.numpy_learning_rates, expected, rtol=1e-15)
    np.testing.assert_allclose(result.torch_learning_rates, expected, rtol=1e-12)
    assert np.argmax(result.torch_learning_rates) == WARMUP - 1
    moved = max(np.abs(value - start[name]).max() for name, value in model.parameters().items())
    assert moved > 1e-3  # the model was trained in place


def test_label_smoothing_reaches_both_sides():
    """Smoothing changes PyTorch's first loss by far more than rounding (about 1e-4 from nearly
    uniform initial predictions), and ours follows it."""
    *_, smoothed = reversal_side_by_side(steps=1)
    *_, plain = reversal_side_by_side(label_smoothing=0.0, steps=1)
    assert abs(smoothed.torch_losses[0] - plain.torch_losses[0]) > 1e-6
    assert abs(smoothed.numpy_losses[0] - smoothed.torch_losses[0]) < 1e-12
    assert abs(plain.numpy_losses[0] - plain.torch_losses[0]) < 1e-12


def test_the_schedule_for_lambda_lr_is_the_papers():
    schedule = paper_schedule(32, 200, 0.5)
    for step in (1, 100, 200, 400, 800):
        assert schedule(step - 1) == pytest.approx(tl.warmup_learning_rate(step, 32, 200, 0.5), rel=1e-15)


def test_either_a_fixed_rate_or_the_schedule():
    model = tl.Transformer(reversal.reversal_config(dtype="float64"), seed=0)
    batch = reversal.ReversalTask(seed=0, batch_size=4, validation_size=1, test_size=1).next_batch()
    with pytest.raises(ValueError, match="either a fixed lr or warmup_steps"):
        train_side_by_side(model, batch, 2, lr=0.01, warmup_steps=4)
    with pytest.raises(ValueError, match="3 steps need 3 batches, got 2"):
        train_side_by_side(model, [batch, batch], 3, lr=0.01)
