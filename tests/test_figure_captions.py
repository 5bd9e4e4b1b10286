"""Every figure in the chapters has a one-line caption in the markdown cell right after it, for
readers who get only the image (or only the text: screen readers, the notebook on GitHub)."""

import re
from pathlib import Path

import nbformat
import pytest

CHAPTERS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def figure_cells(notebook) -> list[int]:
    """Indices of the code cells whose saved output holds an image."""
    return [i for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and any("image/png" in output.get("data", {}) for output in cell.outputs)]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_figure_is_followed_by_a_one_line_caption(path):
    notebook = nbformat.read(path, as_version=4)
    assert figure_cells(notebook), f"{path.name} has no figure: is this the right folder?"
    for i in figure_cells(notebook):
        following = notebook.cells[i + 1] if i + 1 < len(notebook.cells) else None
        assert following is not None and following.cell_type == "markdown", f"{path.name}: cell {i} has no caption"
        caption = following.source
        assert re.fullmatch(r"\*Figure: [^*\n]+\*", caption), f"{path.name}: cell {i + 1} is not a one-line caption"
        outside_code = re.sub(r"`[^`]*`", "", caption)
        assert "<" not in outside_code, f"{path.name}: cell {i + 1} writes a <token> outside backticks (markdown hides it)"
