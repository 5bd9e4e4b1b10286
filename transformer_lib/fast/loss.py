"""`FastCrossEntropyLoss`: the cross-entropy without an array of log-probabilities, checked
through its row sums instead of a scan of every logit."""

from __future__ import annotations

import numpy as np

from ..model.loss import CrossEntropyLoss, check_logits, checked_logits_and_targets
from .reductions import row_max, row_mean, row_sum


class FastCrossEntropyLoss(CrossEntropyLoss):
    """`CrossEntropyLoss` with the same options, errors and numbers (up to rounding).

    log_softmax(logits) = shifted - log(total), with shifted = logits - row max and total the row
    sums of exp(shifted) (at least 1: the maximum contributes exp(0)). The loss needs it only at
    the target (and its row mean for smoothing), so no (..., V) array of log-probabilities is
    made; exp(shifted) is kept, and the backward pass divides it by total instead of
    exponentiating again. A NaN or +inf logit makes its row's sum NaN, so one look at the row
    sums replaces the scan of every logit for NaN and inf."""

    def forward(self, logits: np.ndarray, targets) -> float:
        """logits (..., V), targets (...) integer ids -> the mean loss (a Python float)."""
        logits, targets, valid = checked_logits_and_targets(logits, targets, self.ignore_index)
        eps = self.label_smoothing
        with np.errstate(invalid="ignore"):  # inf - inf is NaN, reported below as a bad logit
            shifted = logits - row_max(logits)
        target_shifted = np.take_along_axis(shifted, targets[..., None], axis=-1)[..., 0]
        mean_shifted = row_mean(shifted)[..., 0] if eps else 0.0
        exp_shifted = np.exp(shifted, out=shifted)
        total = row_sum(exp_shifted)
        log_total = np.log(total)[..., 0]
        if not np.all(np.isfinite(log_total)):
            check_logits(logits)  # raises, naming the bad logit
        nll = log_total - target_shifted  # minus the log-probability of the target
        per_token = nll
        if eps:  # the smoothed target adds eps times minus the mean log-probability
            per_token = (1.0 - eps) * nll + eps * (log_total - mean_shifted)
        count = max(int(valid.sum()), 1)
        self._cache = (exp_shifted, total, targets, valid, count)
        return float(np.where(valid, per_token, 0.0).sum() / count)

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
