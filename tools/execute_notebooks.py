"""Re-execute notebooks in place, each in a fresh kernel, so committed outputs are always what
the code produces (never edit outputs by hand).

    python tools/execute_notebooks.py notebooks                     # every notebook and solution
    python tools/execute_notebooks.py notebooks/03_self_attention.ipynb

Cells run from the notebook's own folder, as in JupyterLab. Per-cell timestamps are not
recorded; widget state is stored so saved controls render on GitHub-like viewers. Cells tagged
``skip-execution`` are left as they are."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


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


def execute(path: Path, timeout: int = 600) -> float:
    """Run `path` top to bottom in a fresh python3 kernel and write it back; returns seconds."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, store_widget_state=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    nb.metadata.get("language_info", {}).pop("version", None)
    nbformat.write(nb, path)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("targets", nargs="+", help="notebooks or folders of notebooks")
    args = parser.parse_args(argv)
    for path in notebook_paths(args.targets):
        print(f"{path}: ", end="", flush=True)
        print(f"{execute(path):.1f} s, {path.stat().st_size / 1024:.0f} KiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
