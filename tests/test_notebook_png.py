"""In a notebook, a figure is shown through `shown_png` (one draw, cropped) once the package's
drawings are imported: the picture is the one IPython's own formatter (a tight savefig) shows,
up to a fraction of a pixel. Outside a kernel nothing changes."""

import base64
import io
from pathlib import Path

import nbformat
import numpy as np
from PIL import Image

from transformer_lib.figures.notebook_png import draw_shown_figures_once
from transformer_lib.tooling.notebook_runs import execute_notebook

SHOW_A_FIGURE = """\
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from transformer_lib.figures.plotting import matrix_figure

rng = __import__("numpy").random.default_rng(0)
figure = matrix_figure([dict(matrix=rng.standard_normal((3, 3)), title=f"head {h}") for h in range(4)], ncols=2,
                       shared_colorbar=True, shared_scale=True)
print(get_ipython().display_formatter.formatters["image/png"].lookup_by_type(Figure).__name__)
plt.show()"""

IPYTHON_PICTURE = """\
from IPython.core.pylabtools import print_figure
figure = matrix_figure([dict(matrix=rng.standard_normal((3, 3)), title=f"head {h}") for h in range(4)], ncols=2,
                       shared_colorbar=True, shared_scale=True)
print(print_figure(figure, "png", base64=True, bbox_inches="tight"))
plt.close(figure)"""

EMPTY_FIGURE = "plt.figure()\nplt.show()"


def executed(folder: Path, *sources: str) -> list:
    """The cells of a notebook of `sources`, run in a fresh kernel by `execute_notebook`."""
    path = folder / "shown.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in sources]), path)
    execute_notebook(path, write=True)
    return nbformat.read(path, as_version=4).cells


def picture(encoded: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(encoded))).convert("RGBA")).astype(int)


def test_a_notebook_shows_figures_through_one_draw_with_the_picture_ipython_would_show(tmp_path):
    shown, ipython, empty = executed(tmp_path, SHOW_A_FIGURE,
                                     "rng = __import__('numpy').random.default_rng(0)\n" + IPYTHON_PICTURE, EMPTY_FIGURE)
    assert shown.outputs[0]["text"] == "shown_png\n"
    ours = picture(next(o for o in shown.outputs if o["output_type"] == "display_data")["data"]["image/png"])
    theirs = picture(ipython.outputs[0]["text"].strip())
    assert abs(ours.shape[0] - theirs.shape[0]) <= 1 and abs(ours.shape[1] - theirs.shape[1]) <= 1
    rows, cols = min(ours.shape[0], theirs.shape[0]), min(ours.shape[1], theirs.shape[1])
    assert np.mean(np.abs(ours[:rows, :cols] - theirs[:rows, :cols]).max(axis=-1) > 64) < 0.01
    assert not [o for o in empty.outputs if "image/png" in o.get("data", {})]  # nothing drawn, nothing shown


def test_outside_a_kernel_nothing_changes():
    assert draw_shown_figures_once() is False
