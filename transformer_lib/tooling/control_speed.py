"""How fast each control answers: the time from a changed setting to the new image's bytes.

Every input of a control is changed at least `changes` times (menus and toggles cycle through
their options, sliders step across their range); each change runs the control's redraw, which
ends when the Image widget holds the new PNG. Prints the median and 95th percentile per input,
wall clock and CPU time of this process, with the load average beside them (other programs on
the machine slow the wall clock, not the CPU time).

    python -m transformer_lib.tooling.control_speed [name ...]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np


def scrubber_snapshots(steps: int = 40, every: int = 4):
    """Attention snapshots of a short reversal training run (the chapter's model size, one
    example of 8 letters, a snapshot every `every` of `steps` steps) for the training scrubber."""
    from ..lessons import reversal as rv
    from ..lessons.snapshots import AttentionRecorder
    from ..model.loss import CrossEntropyLoss
    from ..model.transformer import Transformer
    from ..training.loop import train
    from ..training.optim import Adam

    model = Transformer(rv.reversal_config("float64"), seed=0)
    task = rv.ReversalTask(seed=0, batch_size=16, validation_size=5, test_size=5)
    example = rv.reversal_batch(np.array([[3, 4, 5, 6, 7, 8, 9, 10]]))
    recorder = AttentionRecorder(model, example.src[0], example.tgt_in[0], example.tgt_out[0], every=every)
    train(model, Adam(model, lr=0.01), CrossEntropyLoss(ignore_index=rv.PAD_ID), task.next_batch, steps=steps,
          callback=recorder)
    return recorder.snapshots


def explorers() -> dict[str, Callable]:
    """Every control of the package by name, each a function of no arguments that builds it."""
    from ..widgets.attention import attention_explorer, multi_head_explorer
    from ..widgets.backprop_check import backprop_check_explorer
    from ..widgets.beam_tree import beam_tree_explorer
    from ..widgets.cross_attention import cross_attention_explorer
    from ..widgets.embedding_lookup import embedding_lookup_explorer
    from ..widgets.encoder_stack import encoder_stack_explorer
    from ..widgets.layer_norm import layer_norm_explorer
    from ..widgets.masked_decoder import masked_decoder_explorer
    from ..widgets.output_loss import output_loss_explorer
    from ..widgets.path_length import path_length_explorer
    from ..widgets.positional_encoding import positional_encoding_explorer
    from ..widgets.relu_units import relu_units_explorer
    from ..widgets.sampling import sampling_explorer
    from ..widgets.training_scrubber import training_scrubber_explorer

    return {
        "attention": attention_explorer, "multi_head": multi_head_explorer,
        "positional_encoding": positional_encoding_explorer, "path_length": path_length_explorer,
        "output_loss": output_loss_explorer, "embedding_lookup": embedding_lookup_explorer,
        "backprop_check": backprop_check_explorer, "relu_units": relu_units_explorer,
        "layer_norm": layer_norm_explorer, "masked_decoder": masked_decoder_explorer,
        "encoder_stack": encoder_stack_explorer, "cross_attention": cross_attention_explorer,
        "beam_tree": beam_tree_explorer, "sampling": sampling_explorer,
        "training_scrubber": lambda: training_scrubber_explorer(scrubber_snapshots()),
    }


def next_value(control):
    """A valid value different from `control`'s current one: the next option of a menu or
    toggle, the other state of a checkbox, the next of 10 stops across a slider (bouncing)."""
    kind = type(control).__name__
    if kind == "Checkbox":
        return not control.value
    if hasattr(control, "options"):
        values = [v for _, v in control.options] if isinstance(control.options[0], tuple) else list(control.options)
        return values[(values.index(control.value) + 1) % len(values)]
    if kind == "FloatLogSlider":
        stops = control.base ** np.linspace(control.min, control.max, 10)
    else:
        stops = np.linspace(control.min, control.max, 10)
        if kind == "IntSlider":
            stops = np.unique(np.round(stops).astype(int) // control.step * control.step)
    stops = [s.item() for s in stops]
    here = int(np.argmin([abs(s - control.value) for s in stops]))
    step = getattr(control, "_bench_direction", 1)
    if not 0 <= here + step < len(stops):
        step = -step
        control._bench_direction = step
    return stops[here + step]


def measure(explorer: Callable, changes: int = 10) -> dict:
    """One explorer's answer times: ``median_ms``, ``p95_ms`` and ``cpu_median_ms`` over every
    change of every input, ``changes`` (how many), and ``inputs``: the same per input
    description. The changes start once the explorer has prepared the layouts its controls
    can reach, as a kernel does while the reader reads (`widgets.idle`); ``prepared_layouts``
    counts them and ``prepare_ms`` is the longest took to build and paint, which is what a
    reader who moves to one before it is ready waits (0 if there are none)."""
    box = explorer()
    prepared, longest = 0, 0.0
    while True:
        start = time.perf_counter()
        if not box.prepare_layouts(limit=1):
            break
        prepared, longest = prepared + 1, max(longest, time.perf_counter() - start)
    controls = list(box.children[-3].children)  # the row of inputs above the image and the numbers
    inputs, every_wall, every_cpu = {}, [], []
    for control in controls:
        wall, cpu = [], []
        for _ in range(changes):
            value = next_value(control)
            start, start_cpu = time.perf_counter(), time.process_time()
            control.value = value
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        inputs[control.description] = _summary(wall, cpu)
        every_wall += wall
        every_cpu += cpu
    return {**_summary(every_wall, every_cpu), "prepared_layouts": prepared, "prepare_ms": 1e3 * longest,
            "inputs": inputs}


def _summary(wall: list[float], cpu: list[float]) -> dict:
    return {"median_ms": 1e3 * statistics.median(wall), "p95_ms": 1e3 * float(np.percentile(wall, 95)),
            "cpu_median_ms": 1e3 * statistics.median(cpu), "changes": len(wall)}


def measure_all(names: list[str] | None = None, changes: int = 10, verbose: bool = False) -> list[dict]:
    """[{name, median_ms, p95_ms, cpu_median_ms, changes, load_average_1min, inputs}] for the
    controls `names` (default: every control), each built and measured in turn."""
    import matplotlib

    matplotlib.use("Agg")
    every = explorers()
    rows = []
    for name in names or list(every):
        if name not in every:
            raise ValueError(f"names must be controls of {sorted(every)}, got {name!r}")
        row = {"name": name, **measure(every[name], changes), "load_average_1min": os.getloadavg()[0]}
        rows.append(row)
        if verbose:
            print(table_row(row), flush=True)
    return rows


TABLE_HEADER = (f"{'control':<20} {'median ms':>10} {'p95 ms':>8} {'cpu median ms':>14} {'changes':>8} "
                f"{'layouts prepared':>17} {'longest ms':>11} {'load':>6}")


def table_row(row: dict) -> str:
    return (f"{row['name']:<20} {row['median_ms']:10.0f} {row['p95_ms']:8.0f} {row['cpu_median_ms']:14.0f} "
            f"{row['changes']:8d} {row['prepared_layouts']:17d} {row['prepare_ms']:11.0f} {row['load_average_1min']:6.1f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="controls to measure (default: all)")
    parser.add_argument("--changes", type=int, default=10, help="changes per input (default 10)")
    parser.add_argument("--inputs", action="store_true", help="also print every input's times")
    parser.add_argument("--json", default=None, help="also write the rows to this file")
    args = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    print(TABLE_HEADER)
    rows = measure_all(args.names, args.changes, verbose=True)
    if args.inputs:
        for row in rows:
            for control, r in row["inputs"].items():
                print(f"  {row['name']:<20} {control:<20} {r['median_ms']:8.0f} {r['p95_ms']:8.0f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
