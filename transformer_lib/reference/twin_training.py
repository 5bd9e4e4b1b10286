"""Training the NumPy model and its PyTorch twin side by side, to check the whole training loop
(forward, loss with label smoothing, hand-written backward, Adam, the warm-up schedule) against
PyTorch's own modules, ``F.cross_entropy``, autograd, ``torch.optim.Adam`` and
``torch.optim.lr_scheduler.LambdaLR``.

Both start from the same weights (the twin is built by `reference.torch_twin`) and take the
same steps on the same batches with the same learning rates. torch is imported here and in
`reference` only."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from ..training.loop import Batch, train
from ..training.optim import Adam
from .torch_model import from_torch, torch_twin


def torch_train_step(twin: torch.nn.Module, optimizer: torch.optim.Optimizer, batch: Batch,
                     pad_id: int | None = None, label_smoothing: float = 0.0,
                     scheduler: torch.optim.lr_scheduler.LRScheduler | None = None) -> float:
    """One step of the PyTorch twin on `batch` (NumPy arrays): forward, cross-entropy
    (``torch.nn.functional.cross_entropy`` with its own `label_smoothing`), autograd, optimiser
    step, then the `scheduler`'s step. With `pad_id`, padding is masked in attention and its
    labels are ignored. Returns the loss before the update."""
    src, tgt_in, tgt_out = (torch.as_tensor(a) for a in (batch.src, batch.tgt_in, batch.tgt_out))
    src_padding = None if pad_id is None else src == pad_id
    tgt_padding = None if pad_id is None else tgt_in == pad_id
    logits = twin(src, tgt_in, src_padding, tgt_padding)  # (B, Tt, V)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1),
                                             ignore_index=-100 if pad_id is None else pad_id,
                                             label_smoothing=label_smoothing)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if scheduler is not None:
        scheduler.step()
    return loss.item()


def paper_schedule(d_model: int, warmup_steps: int, factor: float) -> Callable[[int], float]:
    """The paper's learning rate (section 5.3) as ``torch.optim.lr_scheduler.LambdaLR`` wants it:
    a function of the number of scheduler steps taken so far, k = 0, 1, ..., for training step
    k + 1, multiplying a base learning rate of 1."""
    return lambda k: factor * d_model**-0.5 * min((k + 1) ** -0.5, (k + 1) * warmup_steps**-1.5)


@dataclass(frozen=True)
class SideBySide:
    """Per-step losses of both implementations and the final weights' differences.

    numpy_losses, torch_losses: (steps,); weight_differences: parameter name -> the largest
    |w_numpy - w_torch| of that parameter after the last step; numpy_learning_rates,
    torch_learning_rates: (steps,) the learning rate each took its step with."""

    numpy_losses: np.ndarray
    torch_losses: np.ndarray
    weight_differences: dict[str, float]
    numpy_learning_rates: np.ndarray | None = None
    torch_learning_rates: np.ndarray | None = None

    @property
    def loss_differences(self) -> np.ndarray:
        """|numpy loss - torch loss| per step, (steps,)."""
        return np.abs(self.numpy_losses - self.torch_losses)

    @property
    def weight_difference(self) -> float:
        """The largest |w_numpy - w_torch| over every parameter."""
        return max(self.weight_differences.values())


def train_side_by_side(model: Transformer, batches: Batch | Sequence[Batch], steps: int, lr: float | None = None,
                       betas: tuple[float, float] = (0.9, 0.98), eps: float = 1e-9, warmup_steps: int | None = None,
                       factor: float = 1.0, label_smoothing: float = 0.0) -> SideBySide:
    """Train `model` (in place) with the package's training loop (`training.loop.train`,
    `transformer_lib.Adam`, `CrossEntropyLoss`) and a PyTorch twin, built from the same initial
    weights, with ``torch.optim.Adam``, ``F.cross_entropy`` and autograd: `steps` steps on
    `batches` (one `Batch` used at every step, or a sequence of at least `steps` batches, one per
    step), same `betas` and `eps`. The learning rate is `lr` throughout, or with `warmup_steps`
    the paper's warm-up schedule with `factor`: `train` sets it on our side, and
    ``torch.optim.lr_scheduler.LambdaLR`` with `paper_schedule` on PyTorch's. Both use
    `label_smoothing`; padding (``model.config.pad_id``) is masked and its labels ignored by both."""
    if (lr is None) == (warmup_steps is None):
        raise ValueError(f"give either a fixed lr or warmup_steps for the paper's schedule, got lr={lr!r}, "
                         f"warmup_steps={warmup_steps!r}")
    if isinstance(batches, Batch):
        batches = [batches] * steps
    if len(batches) < steps:
        raise ValueError(f"{steps} steps need {steps} batches, got {len(batches)}")
    pad_id = model.config.pad_id
    twin = torch_twin(model)
    torch_optimizer = torch.optim.Adam(twin.parameters(), lr=1.0 if lr is None else lr, betas=betas, eps=eps)
    scheduler = None
    if warmup_steps is not None:
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            torch_optimizer, paper_schedule(model.config.d_model, warmup_steps, factor))
    optimizer = Adam(model, lr=0.0 if lr is None else lr, betas=betas, eps=eps)
    loss_fn = CrossEntropyLoss(ignore_index=pad_id, label_smoothing=label_smoothing)
    ours = iter(batches)
    log = train(model, optimizer, loss_fn, lambda: next(ours), steps, warmup_steps=warmup_steps, factor=factor)
    theirs, torch_rates = [], []
    for batch in batches[:steps]:
        torch_rates.append(torch_optimizer.param_groups[0]["lr"])
        theirs.append(torch_train_step(twin, torch_optimizer, batch, pad_id, label_smoothing, scheduler))
    final = from_torch(model, dict(twin.named_parameters()))
    differences = {name: float(np.abs(value - final[name]).max()) for name, value in model.parameters().items()}
    return SideBySide(np.array(log.losses), np.array(theirs), differences, np.array(log.learning_rates),
                      np.array(torch_rates))
