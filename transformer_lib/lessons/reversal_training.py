"""Chapter 12's reversal run, repeated for later chapters and for comparing recipes: the same
task, model and recipe (the constants of `lessons.reversal`: Adam, the paper's warm-up, label
smoothing, batches of 80), variants of it (post-norm, another beta2, no label smoothing), and
copies of the weights at chosen steps, so that a partly trained model (whose next-token
distributions still leave room for choice) can be studied beside the trained one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from ..training.beam import beam_decode
from ..training.checkpoint import load_weights
from ..training.decoding import greedy_decode
from ..training.generation import generate
from ..training.loop import TrainingLog, exact_match, train
from ..training.optim import Adam
from .reversal import (
    ADAM_BETAS,
    ADAM_EPS,
    BATCH_SIZE,
    BOS_ID,
    EOS_ID,
    LABEL_SMOOTHING,
    LR_FACTOR,
    MAX_LENGTH,
    MIN_LENGTH,
    PAD_ID,
    TEST_SIZE,
    TRAINING_STEPS,
    VALIDATION_SIZE,
    WARMUP_STEPS,
    ReversalTask,
    example,
    lengths_of,
    reversal_batch,
    reversal_config,
)
from .snapshots import AttentionRecorder, AttentionSnapshots


@dataclass(frozen=True)
class Recipe:
    """The choices of a reversal training run that chapter 12 compares on the validation set.
    The defaults are the chapter's recipe: pre-norm, Adam's beta2 0.999, label smoothing 0.1, no
    dropout."""

    norm_first: bool = True
    beta2: float = ADAM_BETAS[1]
    label_smoothing: float = LABEL_SMOOTHING
    dropout: float = 0.0

    def describe(self) -> str:
        """A short label, e.g. ``pre-norm, beta2 0.999, smoothing 0.1`` (``, dropout 0.1`` when
        there is dropout)."""
        return (f"{'pre' if self.norm_first else 'post'}-norm, beta2 {self.beta2:g}, "
                f"smoothing {self.label_smoothing:g}" + (f", dropout {self.dropout:g}" if self.dropout else ""))


@dataclass
class ReversalRun:
    """A trained reversal model, its task (with the validation and test sets), the training log,
    and the weights at each step of ``weights_at`` (dotted name -> array)."""

    model: Transformer
    task: ReversalTask
    log: TrainingLog
    weights_at: dict[int, dict[str, np.ndarray]]

    def model_at(self, step: int, dtype: str | None = None) -> Transformer:
        """A new model holding the weights kept at `step` (in `dtype`, default the run's)."""
        if step not in self.weights_at:
            raise ValueError(f"no weights kept at step {step}; kept: {sorted(self.weights_at)}")
        config = self.model.config if dtype is None else reversal_config(dtype=dtype,
                                                                          norm_first=self.model.config.norm_first)
        model = Transformer(config, seed=0)
        model.load_state_dict(self.weights_at[step])
        return model


def recipe_start(seed: int = 0, recipe: Recipe = Recipe()) -> tuple[ReversalTask, Transformer, Adam, CrossEntropyLoss]:
    """What a reversal run starts from: the task and the model's weights drawn from `seed`, Adam
    and the loss, all set as `recipe` says (chapter 12's by default)."""
    task = ReversalTask(seed=seed, batch_size=BATCH_SIZE, validation_size=VALIDATION_SIZE, test_size=TEST_SIZE)
    model = Transformer(reversal_config(norm_first=recipe.norm_first, dropout=recipe.dropout), seed=seed)
    optimizer = Adam(model, betas=(ADAM_BETAS[0], recipe.beta2), eps=ADAM_EPS)
    loss_fn = CrossEntropyLoss(ignore_index=PAD_ID, label_smoothing=recipe.label_smoothing)
    return task, model, optimizer, loss_fn


def train_reversal(steps: int = TRAINING_STEPS, seed: int = 0, keep: tuple[int, ...] = (),
                   progress: bool = False, recipe: Recipe = Recipe(),
                   callback: Callable[[int, Transformer, ReversalTask], None] | None = None) -> ReversalRun:
    """Train chapter 12's reversal model (weights and task drawn from `seed`) for `steps` steps of
    chapter 12's recipe (or the variant `recipe`), keeping a copy of the weights after each step
    in `keep` and after the last; ``callback(step, model, task)`` runs after every step. The first
    `steps` steps are chapter 12's whatever `steps` is (its schedule depends on the step alone)."""
    if any(not 1 <= s <= steps for s in keep):
        raise ValueError(f"keep must hold steps in [1, {steps}], got {keep!r}")
    task, model, optimizer, loss_fn = recipe_start(seed, recipe)
    weights_at: dict[int, dict[str, np.ndarray]] = {}

    def after_step(step: int) -> None:
        if step in keep or step == steps:
            weights_at[step] = {name: value.copy() for name, value in model.parameters().items()}
        if callback is not None:
            callback(step, model, task)

    log = train(model, optimizer, loss_fn, task.next_batch, steps, warmup_steps=WARMUP_STEPS, factor=LR_FACTOR,
                callback=after_step, progress=progress)
    return ReversalRun(model, task, log, weights_at)


PARTLY_TRAINED_STEPS = 200  # chapter 13's model: chapter 12's run (seed 0) stopped after 200 of its 800 steps
PARTLY_TRAINED_CHECKPOINT = Path(__file__).with_name("reversal_after_200_steps.npz")  # tools/train_partly_trained_reversal.py


def train_partly_trained() -> ReversalRun:
    """Chapter 12's run (seed 0) for `PARTLY_TRAINED_STEPS` steps on one BLAS thread, as chapter
    13 runs it: the weights `PARTLY_TRAINED_CHECKPOINT` holds."""
    with threadpool_limits(limits=1, user_api="blas"):
        return train_reversal(steps=PARTLY_TRAINED_STEPS, seed=0)


def partly_trained_model(dtype: str | None = None) -> Transformer:
    """Chapter 13's partly trained reversal model, read from `PARTLY_TRAINED_CHECKPOINT` (in
    `dtype`, default float32, the dtype it was trained in)."""
    model = Transformer(reversal_config(dtype=dtype or "float32"), seed=0)
    load_weights(model, PARTLY_TRAINED_CHECKPOINT)
    return model


# -- chapter 12's run of 800 steps, recorded -------------------------------------------------------
TRAINED_CHECKPOINT = Path(__file__).with_name("reversal_after_800_steps.npz")  # weights and Adam's state
TRAINED_RECORD = Path(__file__).with_name("reversal_run_record.npz")  # what the run recorded on the way
RECORD_EVERY = 20  # steps between two snapshots of the example's cross-attention
VALIDATION_STEPS = (100, 200, 400)  # steps after which the run decodes the validation set
EXAMPLE_LENGTH = 8  # the example the snapshots follow: the first validation sequence of 8 letters


@dataclass
class RecordedRun:
    """What chapter 12's training run records: the loss and learning rate of every step (`log`),
    snapshots of the example's cross-attention every `RECORD_EVERY` steps (`snapshots`), the
    validation set's exact match per length (3 to 10 letters) after each step of
    `VALIDATION_STEPS` reached (`by_length_at`, step -> (8,)), and every content sequence
    trained on (`trained_on`, as tuples; not saved by `save_record`)."""

    log: TrainingLog
    snapshots: AttentionSnapshots
    by_length_at: dict[int, np.ndarray]
    trained_on: set[tuple[int, ...]]


def snapshot_example(task: ReversalTask) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The example chapter 12 follows while training: the first validation sequence of
    `EXAMPLE_LENGTH` letters, as (src, tgt_in, tgt_out) ids."""
    content = task.validation[lengths_of(task.validation) == EXAMPLE_LENGTH][0]
    return example(content)


def record_training(model: Transformer, optimizer: Adam, loss_fn: CrossEntropyLoss, task: ReversalTask,
                    steps: int, progress: bool = False) -> RecordedRun:
    """Train `model` for `steps` steps of chapter 12's schedule on the batches of `task`, as the
    chapter does: snapshots of the example (`snapshot_example`) every `RECORD_EVERY` steps, the
    validation set decoded greedily after each step of `VALIDATION_STEPS`, every trained
    sequence kept. The test set is never looked at."""
    recorder = AttentionRecorder(model, *snapshot_example(task), every=RECORD_EVERY)
    validation = task.validation_batch()
    lengths = lengths_of(task.validation)
    trained_on: set[tuple[int, ...]] = set()
    by_length_at: dict[int, np.ndarray] = {}

    def next_batch():
        contents = task.next_contents()  # (80, 10), content padded with <pad>
        trained_on.update(map(tuple, contents.tolist()))
        return reversal_batch(contents)

    def after_step(step: int) -> None:
        recorder(step)
        if step in VALIDATION_STEPS:
            decoded = greedy_decode(model, validation.src, BOS_ID, validation.tgt_out.shape[1], EOS_ID)
            right = exact_match(decoded, validation.tgt_out, PAD_ID)
            by_length_at[step] = np.array([right[lengths == n].mean() for n in range(MIN_LENGTH, MAX_LENGTH + 1)])

    log = train(model, optimizer, loss_fn, next_batch, steps, warmup_steps=WARMUP_STEPS, factor=LR_FACTOR,
                callback=after_step, progress=progress)
    return RecordedRun(log, recorder.snapshots, by_length_at, trained_on)


def chapter_run(steps: int = TRAINING_STEPS, progress: bool = False):
    """Chapter 12's run from the start (seed 0, one BLAS thread): (model, optimizer, loss_fn, task,
    `RecordedRun`) after `steps` steps."""
    task, model, optimizer, loss_fn = recipe_start(seed=0)
    with threadpool_limits(limits=1, user_api="blas"):
        run = record_training(model, optimizer, loss_fn, task, steps, progress=progress)
    return model, optimizer, loss_fn, task, run


def save_record(run: RecordedRun, path: Path = TRAINED_RECORD) -> None:
    """Write the log, the snapshots and the validation accuracies of `run` to the .npz `path`."""
    s = run.snapshots
    steps = sorted(run.by_length_at)
    per_length = np.array([run.by_length_at[t] for t in steps]).reshape(len(steps), MAX_LENGTH - MIN_LENGTH + 1)
    arrays = {"losses": np.array(run.log.losses), "learning_rates": np.array(run.log.learning_rates),
              "snapshot_src": s.src, "snapshot_tgt_in": s.tgt_in, "snapshot_tgt_out": s.tgt_out,
              "snapshot_steps": np.array(s.steps), "snapshot_losses": np.array(s.losses),
              "snapshot_predictions": np.stack(s.predictions),
              "validation_steps": np.array(steps, dtype=np.int64),
              "validation_by_length": per_length}
    arrays.update({f"snapshot_weights:{name}": s.stacked(name) for name in s.weights})
    with open(path, "wb") as file:
        np.savez_compressed(file, **arrays)


def load_record(path: Path = TRAINED_RECORD) -> RecordedRun:
    """The run `save_record` wrote (without `trained_on`, which is left empty)."""
    with np.load(path, allow_pickle=False) as archive:
        a = {name: archive[name] for name in archive.files}
    snapshots = AttentionSnapshots(a["snapshot_src"], a["snapshot_tgt_in"], a["snapshot_tgt_out"],
                                   steps=a["snapshot_steps"].tolist(),
                                   weights={name.split(":", 1)[1]: list(value) for name, value in a.items()
                                            if name.startswith("snapshot_weights:")},
                                   losses=a["snapshot_losses"].tolist(), predictions=list(a["snapshot_predictions"]))
    log = TrainingLog(a["losses"].tolist(), a["learning_rates"].tolist())
    by_length_at = dict(zip(a["validation_steps"].tolist(), a["validation_by_length"], strict=True))
    return RecordedRun(log, snapshots, by_length_at, set())


# -- greedy decoding against beam search ------------------------------------------------------------
BEAM_WIDTH, LENGTH_PENALTY_ALPHA = 4, 0.6  # the paper's beam search settings, as chapter 13 uses them


def greedy_and_beam_right(model: Transformer, batch) -> tuple[np.ndarray, np.ndarray]:
    """Which sequences of `batch` (a reversal `Batch` of B sequences) greedy decoding and beam
    search (width `BEAM_WIDTH`, length penalty `LENGTH_PENALTY_ALPHA`) reverse exactly: two
    boolean arrays of shape (B,), greedy first. Outputs are up to MAX_LENGTH letters and <eos>."""
    max_output = MAX_LENGTH + 1
    greedy = generate(model, batch.src, BOS_ID, max_output, EOS_ID)
    beam = beam_decode(model, batch.src, BOS_ID, max_output, beam_width=BEAM_WIDTH, alpha=LENGTH_PENALTY_ALPHA,
                       eos_id=EOS_ID).sequences
    return exact_match(greedy, batch.tgt_out, PAD_ID), exact_match(beam, batch.tgt_out, PAD_ID)
