"""The training chapter's compared outputs hold on any processor.

Hundreds of float32 training steps turn a last-bit rounding difference (another processor,
another BLAS kernel) into visibly different losses, accuracies and attention weights. This test
causes such a difference on purpose: it copies the chapter into a temporary folder with one
extra first cell that multiplies every initial weight of every model the chapter builds by
1 + 1e-7 x noise (float32's last bits, far more than float64's), then runs nbval on the copy
against the committed
outputs. The data and the seeds stay the same. Every output nbval compares must survive the
nudge; the exact values of a training run belong in cells nbval does not compare."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[1]
SANITIZE = REPO / "tests" / "nbval_sanitize.cfg"
TRAINING_NOTEBOOKS = ["notebooks/12_training.ipynb", "notebooks/13_decoding.ipynb", "notebooks/14_capstone.ipynb",
                      "notebooks/solutions/14_capstone_solutions.ipynb"]  # every notebook that trains a model
# A call that takes optimiser steps (the capstone's compare_training and library_losses train inside).
TRAINS = re.compile(r"\b(train|train_step|train_side_by_side|compare_training|library_losses)\(|\.step\(\)")
RELATIVE_NUDGE = 1e-7
NOISE_SEED = 2024

# Runs in the copy's kernel before the chapter's own first cell. Patching the class reaches every
# model, however the chapter builds it (tl.Transformer, toy.toy_model, ...). Models built alike are
# nudged alike (the noise is drawn from a checksum of their initial weights), as one processor
# rounds the same computation the same way every time.
NUDGE_CELL = f"""\
import zlib

import numpy as np
import transformer_lib as tl

_build = tl.Transformer.__init__


def _build_nudged(self, *args, **kwargs):
    _build(self, *args, **kwargs)
    parameters = self.parameters().values()
    noise = np.random.default_rng([{NOISE_SEED}, zlib.crc32(b"".join(w.tobytes() for w in parameters))])
    for weights in parameters:
        weights[...] = weights * (1.0 + {RELATIVE_NUDGE!r} * noise.standard_normal(weights.shape))


tl.Transformer.__init__ = _build_nudged
"""


def nudged_copy(notebook: Path, folder: Path) -> Path:
    """A copy of `notebook` in `folder` whose first cell nudges every model's initial weights."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(NUDGE_CELL, metadata={"tags": ["nbval-ignore-output"]}))
    copy = folder / notebook.name
    nbformat.write(nb, copy)
    return copy


def test_the_nudge_changes_the_initial_weights_in_their_last_bits():
    """The injected cell really perturbs a model, by about 1e-7 of each weight, and gives two
    models built from the same seed the same nudge."""
    import numpy as np

    import transformer_lib as tl
    from transformer_lib import reversal

    build = tl.Transformer.__init__
    try:
        exec(NUDGE_CELL, {})
        nudged = tl.Transformer(reversal.reversal_config(), seed=0).parameters()
        again = tl.Transformer(reversal.reversal_config(), seed=0).parameters()
    finally:
        tl.Transformer.__init__ = build
    plain = tl.Transformer(reversal.reversal_config(), seed=0).parameters()
    changed = total = 0
    for name, weights in plain.items():
        assert nudged[name].dtype == weights.dtype
        np.testing.assert_allclose(nudged[name], weights, rtol=1e-6, atol=0, err_msg=name)
        np.testing.assert_array_equal(again[name], nudged[name], err_msg=name)
        changed += int((nudged[name] != weights).sum())
        total += weights.size
    assert changed > total // 2, f"only {changed} of {total} weights were nudged"


def test_every_notebook_that_trains_is_run_nudged():
    """A chapter or solution that takes optimiser steps is in TRAINING_NOTEBOOKS."""
    training = set()
    for path in sorted((REPO / "notebooks").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        cells = nbformat.read(path, as_version=4).cells
        if any(cell.cell_type == "code" and TRAINS.search(cell.source) for cell in cells):
            training.add(path.relative_to(REPO).as_posix())
    assert training == set(TRAINING_NOTEBOOKS)


@pytest.mark.parametrize("notebook", TRAINING_NOTEBOOKS)
def test_compared_outputs_survive_nudged_initial_weights(notebook, tmp_path):
    """nbval passes on the nudged copy: no compared output depends on rounding."""
    copy = nudged_copy(REPO / notebook, tmp_path)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
               "--nbval-sanitize-with", str(SANITIZE), str(copy)]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, (
        f"{notebook}: with every initial weight nudged by 1 + {RELATIVE_NUDGE} x noise, nbval finds outputs that "
        f"differ from the committed ones, so they depend on rounding:\n{result.stdout[-12000:]}\n{result.stderr[-2000:]}")
