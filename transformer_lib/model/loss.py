"""Cross-entropy loss over the vocabulary, with padding ignored and optional label smoothing."""

from __future__ import annotations

import numpy as np

from ..fast.reductions import row_max, row_mean, row_sum
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
        logits = check_array(logits, "logits", finite=False)  # scanned below, through the row sums
        if logits.ndim < 1:
            raise ValueError(f"logits must have a vocabulary axis, got shape {logits.shape}")
        vocab = logits.shape[-1]
        targets = np.asarray(targets)
        if targets.shape != logits.shape[:-1]:
            raise ValueError(f"targets has shape {targets.shape}, expected {logits.shape[:-1]} (logits without the last axis)")
        valid = np.ones(targets.shape, dtype=bool) if self.ignore_index is None else targets != self.ignore_index
        safe_targets = as_token_ids(np.where(valid, targets, 0), vocab, "targets")
        # log_softmax(logits) = shifted - log(total), with shifted = logits - row max and total the
        # row sums of exp(shifted) (at least 1: the maximum contributes exp(0)). The loss needs it
        # only at the target (and its row mean for smoothing), so no (..., V) array of
        # log-probabilities is made; exp(shifted) is kept: the backward pass divides it by total
        # instead of exponentiating again.
        eps = self.label_smoothing
        with np.errstate(invalid="ignore"):  # inf - inf is NaN, reported below as a bad logit
            shifted = logits - row_max(logits)
        target_shifted = np.take_along_axis(shifted, safe_targets[..., None], axis=-1)[..., 0]
        mean_shifted = row_mean(shifted)[..., 0] if eps else 0.0
        exp_shifted = np.exp(shifted, out=shifted)
        total = row_sum(exp_shifted)
        log_total = np.log(total)[..., 0]
        if not np.all(np.isfinite(log_total)):  # a NaN or +inf logit makes its row's sum NaN
            _raise_for_nan_or_inf(logits)
        nll = log_total - target_shifted  # minus the log-probability of the target
        per_token = nll
        if eps:  # the smoothed target adds eps times minus the mean log-probability
            per_token = (1.0 - eps) * nll + eps * (log_total - mean_shifted)
        count = int(valid.sum())
        self._cache = (exp_shifted, total, safe_targets, valid, max(count, 1))
        return float(np.where(valid, per_token, 0.0).sum() / max(count, 1))

    def backward(self) -> np.ndarray:
        """dL/dlogits for the last `forward`, shape (..., V): (softmax - target distribution)
        divided by the number of counted positions; zero at ignored positions."""
        exp_shifted, total, targets, valid, count = self._cache
        vocab = exp_shifted.shape[-1]
        weight = (valid / count).astype(exp_shifted.dtype)[..., None]  # 1 / count, or 0 at padding (..., 1)
        grad = exp_shifted * (weight / total)  # softmax(logits) * weight, from the forward pass's exponentials
        eps = self.label_smoothing
        if eps:
            grad -= weight * (eps / vocab)
        np.put_along_axis(grad, targets[..., None],
                          np.take_along_axis(grad, targets[..., None], axis=-1) - weight * (1.0 - eps), axis=-1)
        return grad


def _raise_for_nan_or_inf(logits: np.ndarray) -> None:
    """Raise a ValueError that names the first NaN or +inf logit and its index."""
    bad = np.isnan(logits) | (logits == np.inf)
    if not bad.any():  # a whole row of -inf: no class has any probability
        bad = np.all(logits == -np.inf, axis=-1, keepdims=True) & (logits == -np.inf)
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    raise ValueError(f"logits contains NaN or inf ({logits[index]} at index {index}): expected finite numbers")
