"""`FastCrossEntropyLoss`: the cross-entropy without an array of log-probabilities, checked
through its row sums instead of a scan of every logit, its rows computed in parallel."""

from __future__ import annotations

import numpy as np

from ..model.loss import CrossEntropyLoss, check_logits, checked_logits_and_targets
from .parallel import split_rows
from .reductions import row_max, row_mean, row_sum


class FastCrossEntropyLoss(CrossEntropyLoss):
    """`CrossEntropyLoss` with the same options, errors and numbers (up to rounding).

    log_softmax(logits) = shifted - log(total), with shifted = logits - row max and total the row
    sums of exp(shifted) (at least 1: the maximum contributes exp(0)). The loss needs it only at
    the target (and its row mean for smoothing), so no (..., V) array of log-probabilities is
    made; exp(shifted) is kept, and the backward pass divides it by total instead of
    exponentiating again. A NaN or +inf logit makes its row's sum NaN, so one look at the row
    sums replaces the scan of every logit for NaN and inf. The row-by-row work runs over blocks
    of rows in parallel (`split_rows`)."""

    def forward(self, logits: np.ndarray, targets) -> float:
        """logits (..., V), targets (...) integer ids -> the mean loss (a Python float)."""
        logits, targets, valid = checked_logits_and_targets(logits, targets, self.ignore_index)
        eps = self.label_smoothing
        vocab = logits.shape[-1]
        rows, target_ids = logits.reshape(-1, vocab), targets.reshape(-1, 1)
        exp_shifted = np.empty(rows.shape, dtype=rows.dtype)
        target_shifted = np.empty((len(rows), 1), dtype=rows.dtype)
        mean_shifted = np.zeros((len(rows), 1), dtype=rows.dtype)
        total = np.empty((len(rows), 1), dtype=rows.dtype)

        def exponentials(start: int, stop: int) -> None:  # for rows start .. stop
            block = slice(start, stop)
            with np.errstate(invalid="ignore"):  # inf - inf is NaN, reported below as a bad logit
                shifted = np.subtract(rows[block], row_max(rows[block]), out=exp_shifted[block])
            target_shifted[block] = np.take_along_axis(shifted, target_ids[block], axis=-1)
            if eps:
                mean_shifted[block] = row_mean(shifted)
            np.exp(shifted, out=shifted)
            total[block] = row_sum(shifted)

        split_rows(exponentials, len(rows), rows.size)
        log_total = np.log(total)[:, 0].reshape(targets.shape)
        if not np.all(np.isfinite(log_total)):
            check_logits(logits)  # raises, naming the bad logit
        nll = log_total - target_shifted.reshape(targets.shape)  # minus the log-probability of the target
        per_token = nll
        if eps:  # the smoothed target adds eps times minus the mean log-probability
            per_token = (1.0 - eps) * nll + eps * (log_total - mean_shifted.reshape(targets.shape))
        count = max(int(valid.sum()), 1)
        self._cache = (exp_shifted.reshape(logits.shape), total.reshape(*targets.shape, 1), targets, valid, count)
        return float(np.where(valid, per_token, 0.0).sum() / count)

    def backward(self) -> np.ndarray:
        """dL/dlogits for the last `forward`, shape (..., V): (softmax - target distribution)
        divided by the number of counted positions; zero at ignored positions."""
        exp_shifted, total, targets, valid, count = self._cache
        vocab = exp_shifted.shape[-1]
        weight = (valid / count).astype(exp_shifted.dtype)[..., None]  # 1 / count, or 0 at padding (..., 1)
        rows, row_scale = exp_shifted.reshape(-1, vocab), (weight / total).reshape(-1, 1)
        grad = np.empty_like(rows)
        eps = self.label_smoothing
        smoothing = (weight * (eps / vocab)).reshape(-1, 1) if eps else None

        def softmax_times_weight(start: int, stop: int) -> None:  # from the forward pass's exponentials
            block = slice(start, stop)
            np.multiply(rows[block], row_scale[block], out=grad[block])
            if smoothing is not None:
                grad[block] -= smoothing[block]

        split_rows(softmax_times_weight, len(rows), rows.size)
        grad = grad.reshape(exp_shifted.shape)
        np.put_along_axis(grad, targets[..., None],
                          np.take_along_axis(grad, targets[..., None], axis=-1) - weight * (1.0 - eps), axis=-1)
        return grad
