"""Cross-entropy loss over the vocabulary, with padding ignored and optional label smoothing."""

from __future__ import annotations

import numpy as np

from .softmax import log_softmax
from .validation import as_token_ids, check_array


class CrossEntropyLoss:
    """Mean cross-entropy between logits and target ids, as ``torch.nn.functional.cross_entropy``.

    With label smoothing eps the target distribution is (1 - eps) on the answer plus eps / V
    spread over all V classes. Targets equal to `ignore_index` (padding) add nothing to the loss
    or the gradient; the mean is over the other positions. Uses log-softmax, never log(0).
    A logit of -inf is a class with probability 0 (as in PyTorch); NaN or +inf raise an error.
    """

    def __init__(self, ignore_index: int | None = None, label_smoothing: float = 0.0):
        if not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be in [0, 1), got {label_smoothing!r}")
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, logits: np.ndarray, targets) -> float:
        """logits (..., V), targets (...) integer ids -> the mean loss (a Python float)."""
        logits, targets, valid = checked_logits_and_targets(logits, targets, self.ignore_index)
        check_logits(logits)
        eps = self.label_smoothing
        log_probs = log_softmax(logits)  # (..., V)
        nll = -np.take_along_axis(log_probs, targets[..., None], axis=-1)[..., 0]  # -log p(target)
        per_token = nll
        if eps:  # the smoothed target adds eps times minus the mean log-probability
            per_token = (1.0 - eps) * nll - eps * log_probs.mean(axis=-1)
        count = max(int(valid.sum()), 1)
        self._cache = (np.exp(log_probs), targets, valid, count)  # exp(log_probs) = softmax(logits)
        return float(np.where(valid, per_token, 0.0).sum() / count)

    def backward(self) -> np.ndarray:
        """dL/dlogits for the last `forward`, shape (..., V): (softmax - target distribution)
        divided by the number of counted positions; zero at ignored positions."""
        probs, targets, valid, count = self._cache
        eps, vocab = self.label_smoothing, probs.shape[-1]
        target_distribution = np.full_like(probs, eps / vocab)
        np.put_along_axis(target_distribution, targets[..., None], 1.0 - eps + eps / vocab, axis=-1)
        grad = probs - target_distribution
        grad[~valid] = 0.0  # ignored positions add nothing
        return grad / count


def checked_logits_and_targets(logits, targets, ignore_index: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`logits` (..., V) as an array (not scanned for NaN or inf: see `check_logits`), the
    targets (...) as int64 ids with 0 at ignored positions, and which positions count (...)
    bool; a clear error for shapes that do not fit or ids outside [0, V)."""
    logits = check_array(logits, "logits")
    if logits.ndim < 1:
        raise ValueError(f"logits must have a vocabulary axis, got shape {logits.shape}")
    vocab = logits.shape[-1]
    targets = np.asarray(targets)
    if targets.shape != logits.shape[:-1]:
        raise ValueError(f"targets has shape {targets.shape}, expected {logits.shape[:-1]} (logits without the last axis)")
    valid = np.ones(targets.shape, dtype=bool) if ignore_index is None else targets != ignore_index
    return logits, as_token_ids(np.where(valid, targets, 0), vocab, "targets"), valid


def check_logits(logits: np.ndarray) -> None:
    """Raise a ValueError that names the first NaN or +inf logit and its index, or the first of
    a row that is all -inf (no class has any probability). A -inf logit elsewhere is a class of
    probability 0 and passes."""
    bad = np.isnan(logits) | (logits == np.inf)
    if not bad.any():
        bad = np.all(logits == -np.inf, axis=-1, keepdims=True) & (logits == -np.inf)
        if not bad.any():
            return
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(f"logits contains NaN or inf ({logits[index]} at index {index}): expected finite numbers")
