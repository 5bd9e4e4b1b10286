"""`png_encoded` writes PNG files that any reader decodes to the very pixels given: RGB and
RGBA, whole arrays and crops of a larger one; and `png_bytes` draws a figure once and keeps what
a tight savefig keeps."""

import io
import zlib

import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from transformer_lib.figures import png
from transformer_lib.figures.plotting import matrix_figure
from transformer_lib.figures.png import png_bytes, png_encoded
from transformer_lib.widgets.attention import attention_view


def decoded(data: bytes) -> np.ndarray:
    image = Image.open(io.BytesIO(data))
    image.load()
    return np.asarray(image)


@pytest.mark.parametrize("channels, mode", [(3, "RGB"), (4, "RGBA")])
def test_the_pixels_come_back_exactly(channels, mode):
    pixels = np.random.default_rng(0).integers(0, 256, size=(37, 53, channels), dtype=np.uint8)
    data = png_encoded(pixels)
    assert Image.open(io.BytesIO(data)).mode == mode
    np.testing.assert_array_equal(decoded(data), pixels)


def test_a_crop_of_a_larger_array_is_encoded_as_the_crop():
    canvas = np.random.default_rng(1).integers(0, 256, size=(40, 60, 4), dtype=np.uint8)
    crop = canvas[5:31, 7:50, :3]  # strided, not contiguous
    np.testing.assert_array_equal(decoded(png_encoded(crop)), crop)


@pytest.mark.parametrize("level", [0, 1, 3, 6, 9])
def test_both_deflaters_write_what_zlib_reads(level, monkeypatch):
    data = np.random.default_rng(2).integers(0, 4, size=(64, 193), dtype=np.uint8)  # rows of few values, as figures
    for isal_zlib in (png.isal_zlib, None):  # ISA-L (installed with the package) for levels 0 to 3, and zlib alone
        monkeypatch.setattr(png, "isal_zlib", isal_zlib)
        assert zlib.decompress(png.deflated(data, level)) == data.tobytes()


def test_flat_colours_compress():
    pixels = np.full((200, 300, 3), 255, dtype=np.uint8)
    pixels[50:150, 100:200] = (30, 90, 200)
    assert len(png_encoded(pixels)) < pixels.nbytes / 50


@pytest.mark.parametrize("pixels", [np.zeros((4, 4), np.uint8), np.zeros((4, 4, 2), np.uint8),
                                    np.zeros((4, 4, 3), np.float32), [[[0, 0, 0]]]])
def test_other_arrays_are_refused(pixels):
    with pytest.raises(TypeError, match="pixels must be a uint8 array"):
        png_encoded(pixels)


def test_an_empty_array_is_refused():
    with pytest.raises(ValueError, match="at least one pixel"):
        png_encoded(np.zeros((0, 4, 3), np.uint8))


def drawn_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGBA")).astype(int)


def tightly_saved(figure) -> np.ndarray:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    return drawn_pixels(buffer.getvalue())


def annotated_matrices():
    """Four annotated panels laid out by tight_layout: content well inside the figure."""
    rng = np.random.default_rng(0)
    return matrix_figure([dict(matrix=rng.standard_normal((3, 6)), row_labels=["I", "love", "cats"], title=f"panel {i}")
                          for i in range(4)], shared_scale=True)


def constrained_matrices():
    """Panels with a shared colour bar, laid out by constrained layout, which leaves 0.04 inch
    at the figure's edges: the 0.1 inch margin reaches past them."""
    rng = np.random.default_rng(1)
    return matrix_figure([dict(matrix=rng.standard_normal((3, 3)), title=f"head {h}") for h in range(4)], ncols=2,
                         shared_colorbar=True, shared_scale=True)


def transparent_plot():
    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1, 4], color="C1")
    ax.set_title("a line")
    figure.patch.set_alpha(0.0)
    return figure


def overhanging_label():
    """A label written past the figure's right edge: a crop of the canvas cannot hold it."""
    figure, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1])
    ax.text(1.3, 0.5, "outside the figure", transform=ax.transAxes)
    return figure


@pytest.mark.parametrize("build", [annotated_matrices, constrained_matrices, transparent_plot, overhanging_label,
                                   lambda: attention_view().figure])
def test_one_draw_crops_to_what_a_tight_savefig_keeps(build):
    """`png_bytes` draws the figure once and crops it; `savefig(bbox_inches="tight")` draws it
    twice, shifted by a fraction of a pixel. The pictures agree up to that shift, margins
    beyond the figure's edge included, and transparent figures stay transparent."""
    figure = build()
    cropped, tight = drawn_pixels(png_bytes(figure)), tightly_saved(figure)
    plt.close(figure)
    assert abs(cropped.shape[0] - tight.shape[0]) <= 1 and abs(cropped.shape[1] - tight.shape[1]) <= 1
    rows, cols = min(cropped.shape[0], tight.shape[0]), min(cropped.shape[1], tight.shape[1])
    difference = np.abs(cropped[:rows, :cols] - tight[:rows, :cols]).max(axis=-1)
    assert np.mean(difference > 64) < 0.01  # edges move by under a pixel; nothing else differs


def test_an_opaque_figure_is_written_without_alpha_and_a_transparent_one_with_it():
    opaque, transparent = annotated_matrices(), transparent_plot()
    assert Image.open(io.BytesIO(png_bytes(opaque))).mode == "RGB"
    assert Image.open(io.BytesIO(png_bytes(transparent))).mode == "RGBA"
    plt.close("all")


def test_the_margin_beyond_the_edge_takes_the_figure_colour():
    figure = constrained_matrices()
    figure.patch.set_facecolor("#ffeedd")
    pixels = drawn_pixels(png_bytes(figure))
    plt.close(figure)
    for edge in (pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]):
        np.testing.assert_array_equal(edge, np.broadcast_to([255, 238, 221, 255], edge.shape))
