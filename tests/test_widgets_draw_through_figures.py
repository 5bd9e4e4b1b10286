"""The controls hold no drawing code: each widget module reads its settings, computes the numbers
with the library and hands them to a figure function of `transformer_lib.figures` (and, for a
picture updated in place, to its ``update_*`` function, and asks a ``*_layout`` function which
settings share a layout), so the static figures and the live
controls draw the same picture from the same code."""

import ast
import pathlib

import pytest

import transformer_lib.widgets as widgets

WIDGETS = pathlib.Path(widgets.__file__).parent
MACHINERY = ("__init__.py", "base.py", "idle.py")  # the live redraw and the kernel's idle time, shared by every control
CONTROLS = sorted(p for p in WIDGETS.glob("*.py") if p.name not in MACHINERY)
PRIMITIVES = {"plotting"}  # the axes-level helpers (heatmap, outline, matrix_figure) belong to figure modules


def imports(path: pathlib.Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import statement in the file at `path`, relative modules with their dots."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append(("." * node.level + (node.module or ""), [alias.name for alias in node.names]))
    return found


def test_there_are_controls_to_check():
    assert len(CONTROLS) >= 12 and all(p.name not in MACHINERY for p in CONTROLS)


@pytest.mark.parametrize("path", CONTROLS, ids=lambda p: p.stem)
def test_a_control_draws_only_through_figure_functions(path):
    figure_imports = []
    for module, names in imports(path):
        if module.split(".")[0] == "matplotlib":  # only the Figure type, for annotations
            assert (module, names) == ("matplotlib.figure", ["Figure"]), f"{path.name} imports {module} {names}"
        if module.startswith("..figures"):
            assert module.rsplit(".", 1)[-1] not in PRIMITIVES, f"{path.name} draws with {module} {names}"
            assert all(name.endswith(("_figure", "_layout")) or name.startswith("update_") for name in names), (
                f"{path.name} imports {names} from {module}: figures are drawn by *_figure, updated by update_* "
                "and *_layout names the layout a setting needs")
            figure_imports += [name for name in names if name.endswith("_figure")]
    assert figure_imports, f"{path.name} imports no figure function"
