"""Pixels to PNG bytes, fast: the rows go to zlib as they are (PNG filter type 0, "None") at
compression level 1, with no copy of the pixels but the one that puts a filter byte before each
row. On the flat colours and thin lines of the chapters' figures this writes about a tenth more
bytes than an encoder that picks a filter per row, in half its time, and the pixels are exact."""

from __future__ import annotations

import struct
import zlib

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
COLOUR_TYPES = {3: 2, 4: 6}  # channels -> PNG colour type: 2 = RGB, 6 = RGBA (8 bits each)


def png_encoded(pixels: np.ndarray, compress_level: int = 1) -> bytes:
    """`pixels` (height, width, 3 or 4) uint8, RGB or RGBA, top row first (any strides, e.g. a
    crop of a canvas), as the bytes of a PNG file."""
    if not isinstance(pixels, np.ndarray) or pixels.dtype != np.uint8 or pixels.ndim != 3 \
            or pixels.shape[2] not in COLOUR_TYPES:
        raise TypeError("pixels must be a uint8 array of shape (height, width, 3 or 4), got "
                        f"{getattr(pixels, 'dtype', type(pixels).__name__)} {getattr(pixels, 'shape', '')}")
    height, width, channels = pixels.shape
    if height == 0 or width == 0:
        raise ValueError(f"pixels must hold at least one pixel, got shape {pixels.shape}")
    rows = np.empty((height, 1 + width * channels), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None" for every row
    rows[:, 1:].reshape(height, width, channels)[...] = pixels
    header = struct.pack(">IIBBBBB", width, height, 8, COLOUR_TYPES[channels], 0, 0, 0)
    return b"".join((SIGNATURE, _chunk(b"IHDR", header), _chunk(b"IDAT", zlib.compress(rows, compress_level)),
                     _chunk(b"IEND", b"")))


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
