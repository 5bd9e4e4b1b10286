"""`png_encoded` writes PNG files that any reader decodes to the very pixels given: RGB and
RGBA, whole arrays and crops of a larger one."""

import io

import numpy as np
import pytest
from PIL import Image

from transformer_lib.widgets.png import png_encoded


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
