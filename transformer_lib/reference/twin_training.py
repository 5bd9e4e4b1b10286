"""Training the NumPy model and its PyTorch twin side by side, to check the whole training step
(forward, loss, hand-written backward, Adam) against PyTorch's own modules, autograd and
``torch.optim.Adam``.

Both start from the same weights (the twin is built by `reference.torch_twin`) and take the
same steps on the same batch with the same learning rate. torch is imported here and in
`reference` only."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from ..training.loop import Batch, train_step
from ..training.optim import Adam
from .torch_model import from_torch, torch_twin


def torch_train_step(twin: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: Batch,
                     pad_id: int | None = None) -> float:
    """One step of the PyTorch twin on `batch` (NumPy arrays): forward, cross-entropy
    (``torch.nn.functional.cross_entropy``), autograd, optimiser step. With `pad_id`, padding
    is masked in attention and its labels are ignored. Returns the loss before the update."""
    src, tgt_in, tgt_out = (torch.as_tensor(a) for a in (batch.src, batch.tgt_in, batch.tgt_out))
    src_padding = None if pad_id is None else src == pad_id
    tgt_padding = None if pad_id is None else tgt_in == pad_id
    logits = twin(src, tgt_in, src_padding, tgt_padding)  # (B, Tt, V)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1),
                                             ignore_index=-100 if pad_id is None else pad_id)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.item()


@dataclass(frozen=True)
class SideBySide:
    """Per-step losses of both implementations and the final weights' differences.

    numpy_losses, torch_losses: (steps,); weight_differences: parameter name -> the largest
    |w_numpy - w_torch| of that parameter after the last step."""

    numpy_losses: np.ndarray
    torch_losses: np.ndarray
    weight_differences: dict[str, float]

    @property
    def loss_differences(self) -> np.ndarray:
        """|numpy loss - torch loss| per step, (steps,)."""
        return np.abs(self.numpy_losses - self.torch_losses)

    @property
    def weight_difference(self) -> float:
        """The largest |w_numpy - w_torch| over every parameter."""
        return max(self.weight_differences.values())


def train_side_by_side(model: Transformer, batch: Batch, steps: int, lr: float,
                       betas: tuple[float, float] = (0.9, 0.98), eps: float = 1e-9) -> SideBySide:
    """Train `model` (in place) with `transformer_lib.Adam` and a PyTorch twin, built from
    the same initial weights, with ``torch.optim.Adam``: `steps` steps on `batch`, same `lr`,
    `betas`, `eps`. Padding (``model.config.pad_id``) is masked and its labels ignored by both."""
    pad_id = model.config.pad_id
    twin = torch_twin(model)
    torch_optimizer = torch.optim.Adam(twin.parameters(), lr=lr, betas=betas, eps=eps)
    optimizer = Adam(model, lr=lr, betas=betas, eps=eps)
    loss_fn = CrossEntropyLoss(ignore_index=pad_id)
    ours, theirs = [], []
    for _ in range(steps):
        ours.append(train_step(model, optimizer, loss_fn, batch))
        theirs.append(torch_train_step(twin, torch_optimizer, batch, pad_id))
    final = from_torch(model, dict(twin.named_parameters()))
    differences = {name: float(np.abs(value - final[name]).max()) for name, value in model.parameters().items()}
    return SideBySide(np.array(ours), np.array(theirs), differences)
