"""The control-speed measurement: every input of a control changes to a new valid value each time,
every change is timed, and every control of the package is measured."""

import importlib
from pathlib import Path

import ipywidgets as w
import pytest

from transformer_lib import widgets
from transformer_lib.tooling import control_speed
from transformer_lib.widgets import base


def test_next_value_moves_every_kind_of_input_to_another_valid_value():
    menu = w.Dropdown(options=[("a", 1), ("b", 2), ("c", 3)], value=3)
    assert control_speed.next_value(menu) == 1  # the next option, wrapping around
    assert control_speed.next_value(w.Checkbox(value=False)) is True
    slider = w.IntSlider(value=0, min=0, max=9)
    seen = []
    for _ in range(12):
        slider.value = control_speed.next_value(slider)
        seen.append(slider.value)
    assert seen[:9] == list(range(1, 10)) and seen[9:] == [8, 7, 6]  # steps across, then bounces back
    log = w.FloatLogSlider(value=1.0, base=10, min=-1, max=1)
    assert 0.1 <= control_speed.next_value(log) <= 10 and control_speed.next_value(log) != 1.0


def test_measure_times_each_change_of_each_input():
    calls = []

    def view(first, second):
        calls.append((first, second))
        return base.View(base.plt.figure(figsize=(1, 1)), f"{first} {second}")

    def toy_explorer():
        return base.explorer(view, {"first": w.Dropdown(options=[1, 2, 3], value=1, description="one"),
                                    "second": w.Checkbox(value=False, description="two")})

    result = control_speed.measure(toy_explorer, changes=4)
    assert len(calls) == 1 + 2 * 4  # the first drawing, then one redraw per change
    assert result["changes"] == 8 and set(result["inputs"]) == {"one", "two"}
    assert all(r["changes"] == 4 and 0 < r["median_ms"] <= r["p95_ms"] for r in result["inputs"].values())


def test_every_control_of_the_package_is_measured():
    controls = set()
    for path in Path(widgets.__file__).parent.glob("*.py"):
        module = importlib.import_module(f"transformer_lib.widgets.{path.stem}")
        controls |= {name.removesuffix("_explorer") for name, value in vars(module).items()
                     if name.endswith("_explorer") and getattr(value, "__module__", None) == module.__name__}
    assert set(control_speed.explorers()) == controls
    with pytest.raises(ValueError, match="names must be controls"):
        control_speed.measure_all(["no_such_control"])


def test_the_training_scrubber_is_built_as_the_bench_builds_it():
    """The bench's training run (2 steps here instead of 40) records the snapshots the
    scrubber shows, and every input of the scrubber moves."""
    from transformer_lib.widgets.training_scrubber import training_scrubber_explorer

    snapshots = control_speed.scrubber_snapshots(steps=2, every=1)
    assert snapshots.steps == [0, 1, 2]
    result = control_speed.measure(lambda: training_scrubber_explorer(snapshots), changes=2)
    assert set(result["inputs"]) == {"step", "decoder layer"} and result["changes"] == 4
