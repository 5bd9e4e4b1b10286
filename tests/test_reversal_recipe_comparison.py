"""tools/reversal_recipe_comparison.py runs for a few steps and writes results the chapter can
read; the committed results file covers every recipe and seed at the checked steps."""

import importlib.util
import json
from pathlib import Path

import pytest

from transformer_lib.lessons.reversal_recipes import (
    CHECKED_STEPS,
    RECIPES,
    RecipeResult,
    comparison_table,
    load_comparison,
    run_recipe,
)
from transformer_lib.lessons.reversal_training import Recipe

TOOL = Path(__file__).resolve().parents[1] / "tools" / "reversal_recipe_comparison.py"


def _tool():
    spec = importlib.util.spec_from_file_location("reversal_recipe_comparison", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_tool_runs_a_few_steps_and_writes_a_table(tmp_path, capsys):
    output = tmp_path / "comparison.json"
    assert _tool().main(["--seeds", "0", "--steps", "1", "2", "--output", str(output)]) == 0
    results = load_comparison(output)
    assert [r.recipe for r in results] == list(RECIPES)
    for result in results:
        assert result.steps == (1, 2) and len(result.exact_match) == 2
        assert all(0.0 <= e <= 1.0 for e in result.exact_match)
    table = capsys.readouterr().out
    assert "| pre-norm, beta2 0.999, smoothing 0.1 |" in table and "| post-norm, beta2 0.999, smoothing 0.1 |" in table
    assert len(json.loads(output.read_text())) == len(RECIPES)


def test_the_measurement_is_the_validation_exact_match_of_the_run():
    """After two steps the model reverses nothing; the run records one value per checked step."""
    result = run_recipe(Recipe(), seed=0, steps=(1, 2))
    assert result.exact_match == (0.0, 0.0)
    with pytest.raises(ValueError, match="increasing step numbers"):
        run_recipe(Recipe(), seed=0, steps=(2, 1))


def test_the_table_shows_mean_and_worst_seed():
    results = [RecipeResult(Recipe(), 0, (5,), (1.0,)), RecipeResult(Recipe(), 1, (5,), (0.9,)),
               RecipeResult(Recipe(beta2=0.98), 0, (5,), (0.5,)), RecipeResult(Recipe(beta2=0.98), 1, (5,), (0.7,))]
    lines = comparison_table(results).splitlines()
    assert lines[2] == "| pre-norm, beta2 0.999, smoothing 0.1 | 95.0% (90.0%) |"
    assert lines[3] == "| pre-norm, beta2 0.98, smoothing 0.1 | 60.0% (50.0%) |"


def test_the_committed_results_cover_every_recipe_and_seed_at_the_checked_steps():
    results = load_comparison()
    seeds = {r.seed for r in results}
    assert len(seeds) >= 3
    assert {(r.recipe, r.seed) for r in results} == {(recipe, seed) for recipe in RECIPES for seed in seeds}
    assert all(r.steps == CHECKED_STEPS for r in results)


def test_the_validation_set_is_decoded_without_dropout_and_the_mode_comes_back(monkeypatch):
    from transformer_lib.lessons import reversal_recipes
    from transformer_lib.lessons.reversal_training import train_reversal

    run = train_reversal(steps=3, seed=0, recipe=Recipe(dropout=0.5))
    decode = reversal_recipes.greedy_decode
    modes = []

    def recording_decode(model, *args, **kwargs):
        modes.append(model.training)
        return decode(model, *args, **kwargs)

    monkeypatch.setattr(reversal_recipes, "greedy_decode", recording_decode)
    assert run.model.training
    reversal_recipes.validation_exact_match(run.model, run.task)
    assert modes == [False], "the validation set must be decoded in evaluation mode"
    assert run.model.training, "the model must go back to training mode"
    assert Recipe(dropout=0.1).describe() == "pre-norm, beta2 0.999, smoothing 0.1, dropout 0.1"


def test_chapter_12_shows_the_committed_comparison():
    import json

    chapter = Path(__file__).resolve().parents[1] / "notebooks" / "12_training.ipynb"
    markdown = "\n".join("".join(cell["source"]) for cell in json.loads(chapter.read_text(encoding="utf-8"))["cells"]
                         if cell["cell_type"] == "markdown")
    assert comparison_table(load_comparison()) in markdown, "chapter 12's table differs from the committed results"
