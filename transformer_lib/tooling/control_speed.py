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
import os
import statistics
import time
from collections.abc import Callable

import numpy as np


def _explorers() -> dict[str, Callable]:
    from ..widgets.attention import attention_explorer, multi_head_explorer
    from ..widgets.backprop_check import backprop_check_explorer
    from ..widgets.cross_attention import cross_attention_explorer
    from ..widgets.embedding_lookup import embedding_lookup_explorer
    from ..widgets.encoder_stack import encoder_stack_explorer
    from ..widgets.layer_norm import layer_norm_explorer
    from ..widgets.masked_decoder import masked_decoder_explorer
    from ..widgets.output_loss import output_loss_explorer
    from ..widgets.path_length import path_length_explorer
    from ..widgets.positional_encoding import positional_encoding_explorer
    from ..widgets.relu_units import relu_units_explorer

    return {
        "attention": attention_explorer, "multi_head": multi_head_explorer,
        "positional_encoding": positional_encoding_explorer, "path_length": path_length_explorer,
        "output_loss": output_loss_explorer, "embedding_lookup": embedding_lookup_explorer,
        "backprop_check": backprop_check_explorer, "relu_units": relu_units_explorer,
        "layer_norm": layer_norm_explorer, "masked_decoder": masked_decoder_explorer,
        "encoder_stack": encoder_stack_explorer, "cross_attention": cross_attention_explorer,
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


def measure(explorer: Callable, changes: int = 10) -> dict[str, dict[str, float]]:
    """{input description: {median_ms, p95_ms, cpu_median_ms, changes}} for one explorer."""
    box = explorer()
    controls = list(box.children[1].children)
    results = {}
    for control in controls:
        wall, cpu = [], []
        for _ in range(changes):
            value = next_value(control)
            start, start_cpu = time.perf_counter(), time.process_time()
            control.value = value
            wall.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
        results[control.description] = {
            "median_ms": 1e3 * statistics.median(wall), "p95_ms": 1e3 * float(np.percentile(wall, 95)),
            "cpu_median_ms": 1e3 * statistics.median(cpu), "changes": changes,
        }
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="controls to measure (default: all)")
    parser.add_argument("--changes", type=int, default=10, help="changes per input (default 10)")
    args = parser.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    explorers = _explorers()
    names = args.names or list(explorers)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}, {os.cpu_count()} cores")
    print(f"{'control':<20} {'input':<20} {'median ms':>10} {'p95 ms':>10} {'cpu median ms':>14}")
    for name in names:
        for control, r in measure(explorers[name], args.changes).items():
            print(f"{name:<20} {control:<20} {r['median_ms']:10.0f} {r['p95_ms']:10.0f} {r['cpu_median_ms']:14.0f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
