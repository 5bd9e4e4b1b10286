"""The figures as the reader gets them: every PNG stored in a chapter or a solutions notebook is
at most 1000 px wide (figure_rules), so no saved output is wider than the notebook column."""

import base64
import json
import struct
from pathlib import Path

import pytest
from figure_rules import MAX_WIDTH_PX

NOTEBOOKS = sorted(Path(__file__).resolve().parent.parent.glob("notebooks/**/*.ipynb"))


def stored_png_sizes(path: Path) -> list[tuple[str, int, int]]:
    """(cell id, width, height) in pixels of every PNG output stored in the notebook at `path`,
    read from the PNG header."""
    sizes = []
    for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
        for output in cell.get("outputs", []):
            png = output.get("data", {}).get("image/png")
            if png:
                width, height = struct.unpack(">II", base64.b64decode(png)[16:24])
                sizes.append((cell.get("id", "?"), width, height))
    return sizes


def test_the_notebooks_store_figures():
    assert len(NOTEBOOKS) >= 30 and sum(len(stored_png_sizes(path)) for path in NOTEBOOKS) > 100


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name)
def test_no_stored_figure_is_wider_than_the_column(path):
    wide = [(cell, width) for cell, width, _ in stored_png_sizes(path) if width > MAX_WIDTH_PX + 2]
    assert not wide, f"{path.name}: cells with figures wider than {MAX_WIDTH_PX} px: {wide}"
