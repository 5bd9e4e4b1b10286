"""Chapter 12's recipe choices compared on the validation set: the recipe (pre-norm, Adam's
beta2 0.999, label smoothing 0.1) beside the variants that each change one choice (post-norm,
the paper's beta2 0.98, no label smoothing, the paper's dropout 0.1), trained with several seeds and measured by exact
match on the validation set at a few steps. The test set is not touched here.

``tools/reversal_recipe_comparison.py`` runs the comparison and writes the results to
``reversal_recipe_comparison.json`` beside this module; `load_comparison` reads them back and
`comparison_table` shows them as a Markdown table."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from ..training.decoding import greedy_decode
from ..training.loop import exact_match
from .reversal import BOS_ID, EOS_ID, PAD_ID
from .reversal_training import Recipe, train_reversal

RECIPES: tuple[Recipe, ...] = (
    Recipe(),  # the chapter's recipe
    Recipe(norm_first=False),
    Recipe(beta2=0.98),
    Recipe(label_smoothing=0.0),
    Recipe(dropout=0.1),  # the paper's P_drop
)
CHECKED_STEPS = (400, 600, 800)
RESULTS_FILE = Path(__file__).with_name("reversal_recipe_comparison.json")


@dataclass(frozen=True)
class RecipeResult:
    """One training run of one recipe: `exact_match[i]` is the validation exact match after
    step `steps[i]`."""

    recipe: Recipe
    seed: int
    steps: tuple[int, ...]
    exact_match: tuple[float, ...]


def validation_exact_match(model, task) -> float:
    """The fraction of the task's validation sequences that greedy decoding reverses exactly, in
    evaluation mode (no dropout); `model` goes back to the mode it was in."""
    batch = task.validation_batch()
    training = model.training
    model.eval()
    try:
        predictions = greedy_decode(model, batch.src, BOS_ID, max_len=batch.tgt_out.shape[1], eos_id=EOS_ID)
    finally:
        model.train(training)
    return float(exact_match(predictions, batch.tgt_out, PAD_ID).mean())


def run_recipe(recipe: Recipe, seed: int, steps: tuple[int, ...] = CHECKED_STEPS) -> RecipeResult:
    """Train with `recipe` and `seed` up to the last of `steps`, measuring the validation exact
    match after each of `steps`."""
    if not steps or list(steps) != sorted(set(steps)) or steps[0] < 1:
        raise ValueError(f"steps must be increasing step numbers from 1, got {steps!r}")
    measured = []

    def measure(step, model, task):
        if step in steps:
            measured.append(validation_exact_match(model, task))

    train_reversal(steps=steps[-1], seed=seed, recipe=recipe, callback=measure)
    return RecipeResult(recipe, seed, tuple(steps), tuple(measured))


def save_comparison(results: list[RecipeResult], path: Path = RESULTS_FILE) -> None:
    """Write `results` as JSON to `path`."""
    path.write_text(json.dumps([asdict(r) for r in results], indent=1) + "\n", encoding="utf-8")


def load_comparison(path: Path = RESULTS_FILE) -> list[RecipeResult]:
    """The results written by `save_comparison`."""
    return [RecipeResult(Recipe(**r["recipe"]), r["seed"], tuple(r["steps"]), tuple(r["exact_match"]))
            for r in json.loads(Path(path).read_text(encoding="utf-8"))]


def comparison_table(results: list[RecipeResult]) -> str:
    """A Markdown table: one row per recipe (in the order first seen), and for each checked step
    the mean validation exact match over the seeds and, in brackets, the worst seed's."""
    recipes = list(dict.fromkeys(r.recipe for r in results))
    steps = results[0].steps
    if any(r.steps != steps for r in results):
        raise ValueError("every result must be measured at the same steps")
    seeds = sorted({r.seed for r in results})
    header = " | ".join(f"step {s}: mean (worst)" for s in steps)
    lines = [f"| recipe ({len(seeds)} seeds) | {header} |", "| --- |" + " --- |" * len(steps)]
    for recipe in recipes:
        table = np.array([r.exact_match for r in results if r.recipe == recipe])  # (seeds, steps)
        cells = " | ".join(f"{mean:.1%} ({worst:.1%})" for mean, worst in zip(table.mean(0), table.min(0), strict=True))
        lines.append(f"| {recipe.describe()} | {cells} |")
    return "\n".join(lines)
