"""Re-execute notebooks in place, each in a fresh kernel, so committed outputs are always what
the code produces (never edit outputs by hand).

    python tools/execute_notebooks.py notebooks                     # every notebook and solution
    python tools/execute_notebooks.py notebooks/03_self_attention.ipynb
    python tools/execute_notebooks.py --jobs 1 notebooks            # one at a time

Notebooks run side by side, one per processor core and at most 4 (`--jobs` to choose). Cells run from the
notebook's own folder, as in JupyterLab. Per-cell timestamps are not recorded; widget state is
stored so saved controls render on GitHub-like viewers. Cells tagged ``skip-execution`` are
left as they are."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from transformer_lib.tooling.notebook_runs import execute_notebooks


def notebook_paths(targets: list[str]) -> list[Path]:
    """Every .ipynb named, or found under a named folder, sorted; checkpoints skipped."""
    paths: list[Path] = []
    for target in map(Path, targets):
        if target.is_dir():
            paths += [p for p in target.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts]
        elif target.suffix == ".ipynb" and target.exists():
            paths.append(target)
        else:
            raise SystemExit(f"not a notebook or a folder: {target}")
    return sorted(paths)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+", help="notebooks or folders of notebooks")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks at a time (default: one per core, at most 4)")
    args = parser.parse_args(argv)
    _, wall = execute_notebooks(notebook_paths(args.targets), args.jobs, write=True, finished=lambda path, seconds:
                                print(f"{path}: {seconds:.1f} s, {path.stat().st_size / 1024:.0f} KiB", flush=True))
    print(f"{wall:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
