"""Our dropout masks, fed to PyTorch's own layers.

PyTorch draws its dropout masks inside its layers, from its own generator, so a training-mode
pass of the PyTorch twin cannot drop the same numbers as ours by seeding alone. `recorded_masks`
collects the masks our model draws, in the order it draws them; inside `replayed_masks`, every
call of ``torch.nn.functional.dropout`` (which ``nn.Dropout`` and ``nn.MultiheadAttention``
call) takes the next of them instead of a fresh draw. Both models drop in the same order (the
embeddings, then in each layer the attention weights before the sublayer's output), so each
mask lands where ours was; a mask of the wrong size, or a count that differs, is an error.
Autograd then differentiates PyTorch's layers through the replayed masks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch
import torch.nn.functional as F

from ..model.dropout import Dropout
from ..model.module import Module


@contextmanager
def recorded_masks(model: Module) -> Iterator[list[np.ndarray]]:
    """Within the block, every mask a `Dropout` of `model` draws is appended, in drawing order,
    to the list this yields (bool arrays, True = kept)."""
    masks: list[np.ndarray] = []

    def draw_and_record(dropout: Dropout, shape: tuple[int, ...]) -> np.ndarray:
        keep = Dropout.draw_keep(dropout, shape)
        masks.append(keep)
        return keep

    with model.override(Dropout, draw_keep=draw_and_record):
        yield masks


@contextmanager
def replayed_masks(masks: Sequence[np.ndarray]) -> Iterator[None]:
    """Within the block, the i-th call of ``torch.nn.functional.dropout`` that drops anything
    (training mode, p > 0) returns input * masks[i] / (1 - p), the mask reshaped to the input's
    shape (our attention weights are (B, h, Tq, Tk), PyTorch's (B * h, Tq, Tk)). Leaving the
    block with masks unused is an error, as is a call after the last mask."""
    queue = list(masks)
    original = F.dropout

    def replay(input: torch.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> torch.Tensor:
        if not training or p == 0:
            return input
        if not queue:
            raise ValueError(f"PyTorch called dropout more often than our model drew masks ({len(masks)})")
        keep = np.asarray(queue.pop(0))
        if keep.size != input.numel():
            raise ValueError(f"mask {len(masks) - len(queue) - 1} has shape {keep.shape}, but PyTorch drops from "
                             f"shape {tuple(input.shape)}: the two models drop in different orders")
        return input * torch.as_tensor(keep).reshape(input.shape).to(input.dtype) / (1 - p)

    F.dropout = replay
    try:
        yield
    finally:
        F.dropout = original
    if queue:
        raise ValueError(f"PyTorch used {len(masks) - len(queue)} of our {len(masks)} dropout masks")
