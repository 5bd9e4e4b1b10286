"""Compare chapter 12's recipe with the variants that each change one of its choices, on the
validation set (the test set is not touched).

    python tools/reversal_recipe_comparison.py --jobs 2              # seeds 0 to 2, writes the JSON
    python tools/reversal_recipe_comparison.py --seeds 0 --steps 2 3 --output /tmp/quick.json

Each recipe of `transformer_lib.lessons.reversal_recipes.RECIPES` (pre-norm, beta2 0.999,
smoothing 0.1; post-norm; beta2 0.98; no smoothing; dropout 0.1) is trained with every seed (seed s draws the
initial weights and the data), one BLAS thread per run, and the validation exact match is measured
at the checked steps. Writes the results to the JSON file the package ships, whose table chapter 12 shows (or `--output`), and
prints them as a Markdown table."""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from pathlib import Path

from threadpoolctl import threadpool_limits

from transformer_lib.lessons.reversal_recipes import (
    CHECKED_STEPS,
    RECIPES,
    RESULTS_FILE,
    comparison_table,
    run_recipe,
    save_comparison,
)


def _run(arguments):
    recipe, seed, steps = arguments
    with threadpool_limits(limits=1, user_api="blas"):
        return run_recipe(recipe, seed, steps)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=list(range(3)), help="training seeds (default 0 to 2)")
    parser.add_argument("--steps", type=int, nargs="+", default=list(CHECKED_STEPS),
                        help=f"steps at which the validation set is measured (default {CHECKED_STEPS})")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel, one core each (default 1)")
    parser.add_argument("--output", type=Path, default=RESULTS_FILE, help="where the JSON goes")
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1, got {args.jobs}")
    steps = tuple(args.steps)
    if list(steps) != sorted(set(steps)) or steps[0] < 1:
        parser.error(f"--steps must be increasing step numbers from 1, got {args.steps}")
    runs = [(recipe, seed, steps) for recipe in RECIPES for seed in args.seeds]
    results = []
    with ProcessPoolExecutor(max_workers=args.jobs) if args.jobs > 1 else nullcontext() as pool:
        for result in (pool.map(_run, runs) if pool else map(_run, runs)):  # one job: no worker processes
            print(f"{result.recipe.describe()}, seed {result.seed}: "
                  + ", ".join(f"{e:.1%}" for e in result.exact_match), file=sys.stderr, flush=True)
            results.append(result)
    save_comparison(results, args.output)
    print(comparison_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
