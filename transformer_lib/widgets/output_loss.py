"""The output-and-loss explorer: multiply the running example's logits by a factor and choose
the label smoothing, and watch the probabilities of the three target positions and the
cross-entropy against the answer naneun goyangireul joahae.

Scaling the logits towards 0 flattens every distribution to the uniform 1/11 and the loss to
ln 11; scaling them up sharpens each distribution towards its largest logit, which helps only
where that logit is the correct token. Label smoothing replaces the one-hot target by
(1 - eps) one-hot + eps / 11 and raises the lowest loss the model could reach above 0.

With trained weights the logits are the trained model's, over its 36-token vocabulary (the
uniform guess is then 1/36); the picture keeps one bar per lecture token and draws the 25 other
tokens as one bar holding their sum, so it stays as readable as the untrained one."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ..figures.probability_bars import output_probabilities_figure, update_output_probabilities
from ..lessons.attention_scale import row_entropy
from ..lessons.toy import DECODER_INPUT_IDS, TARGET_IDS, VOCAB, running_example, token_names, vocabulary
from ..model.loss import CrossEntropyLoss
from ..model.softmax import log_softmax, softmax
from .base import Live, View, explorer, remembered_layout, weights_layouts, weights_switch


@lru_cache(maxsize=2)
def _running_example_logits(weights: str = "untrained") -> np.ndarray:
    """The toy model's logits (3, V) for source I love cats and decoder input <bos> naneun
    goyangireul (V = 11 untrained, 36 trained)."""
    return running_example(weights=weights)[1]["logits"][0]


def target_distribution(targets, vocab_size: int, smoothing: float = 0.0) -> np.ndarray:
    """The distribution each position is trained towards, (T, V): (1 - smoothing) on the
    correct token plus smoothing / V on every token (PyTorch's convention). Rows sum to 1."""
    targets = np.asarray(targets)
    dist = np.full((len(targets), vocab_size), smoothing / vocab_size)
    dist[np.arange(len(targets)), targets] += 1.0 - smoothing
    return dist


def output_loss_data(scale: float = 1.0, smoothing: float = 0.0, weights: str = "untrained") -> dict[str, np.ndarray | float]:
    """The running example's logits times `scale`, their softmax and the cross-entropy against
    the target 0 6 3 with label smoothing `smoothing`.

    Returns ``logits`` and ``probs`` (3, V), ``target`` (3, V) the target distribution,
    ``per_token`` (3,) each position's -sum(target * log p), ``loss`` (the package's
    `CrossEntropyLoss`, their mean) and ``floor`` (the lowest loss any logits could reach: the
    entropy of the target distribution, 0 without smoothing)."""
    logits = scale * _running_example_logits(weights)
    target = target_distribution(TARGET_IDS, logits.shape[-1], smoothing)
    per_token = -(target * log_softmax(logits)).sum(axis=-1)
    return {
        "logits": logits,
        "probs": softmax(logits),
        "target": target,
        "per_token": per_token,
        "loss": CrossEntropyLoss(label_smoothing=smoothing).forward(logits, TARGET_IDS),
        "floor": float(row_entropy(target[0])) + 0.0,
    }


def lecture_tokens_and_the_rest(values: np.ndarray, names: tuple[str, ...]) -> tuple[np.ndarray, list[str]]:
    """Distributions over `names` (..., V) -> one column per lecture token (the first 11) and, when
    V is larger, a last column with the sum over the others, and the column labels."""
    lecture = len(VOCAB)
    if len(names) == lecture:
        return values, list(names)
    rest = values[..., lecture:].sum(axis=-1, keepdims=True)
    return np.concatenate([values[..., :lecture], rest], axis=-1), [*names[:lecture], f"{len(names) - lecture} others"]


def output_loss_view(scale: float = 1.0, smoothing: float = 0.0, weights: str = "untrained") -> View:
    """Three bar charts, one per target position: the probabilities (the correct token in
    orange) on a fixed 0-1 axis, the target distribution outlined, the uniform 1/V dashed.

    The figure is laid out for the weights' vocabulary (`output_loss_layout`) and then shows
    the settings (`show_output_loss`), as the explorer does."""
    figure = output_loss_layout(weights)
    return View(figure, show_output_loss(figure, scale, smoothing, weights), whole=True)


def _picture(scale: float, smoothing: float, weights: str) -> dict:
    """The arguments of `output_probabilities_figure` for these settings, and the numbers."""
    d = output_loss_data(scale, smoothing, weights)
    names = vocabulary(weights)
    reads, answers = token_names(DECODER_INPUT_IDS), token_names(TARGET_IDS)
    vocab = len(names)
    probs, labels = lecture_tokens_and_the_rest(d["probs"], names)
    target, _ = lecture_tokens_and_the_rest(d["target"], names)
    return dict(data=d, names=names, reads=reads, answers=answers, probs=probs, target=target, labels=labels,
                titles=[f"{reads[t]} → {answers[t]}: loss {d['per_token'][t]:.4f}" for t in range(len(answers))],
                target_label=f"target (eps = {smoothing:.2f})",
                summary=(f"{weights} weights, logits x {scale:.2f}, label smoothing {smoothing:.2f}: cross-entropy "
                         f"{d['loss']:.4f} (uniform guess ln {vocab} = {np.log(vocab):.4f})"))


@remembered_layout
def output_loss_layout(weights: str = "untrained") -> Figure:
    """The output-loss picture for `weights` at logits x 1 without smoothing; its layout
    depends on the vocabulary alone, and `show_output_loss` puts any scale and smoothing in."""
    p = _picture(1.0, 0.0, weights)
    return output_probabilities_figure(p["probs"], TARGET_IDS, p["target"], p["labels"], p["titles"],
                                       target_label=p["target_label"], suptitle=p["summary"],
                                       uniform=1.0 / len(p["names"]))


def show_output_loss(figure: Figure, scale: float = 1.0, smoothing: float = 0.0, weights: str = "untrained") -> str:
    """Put these settings into `figure` (from `output_loss_layout(weights)`) in place, and
    return the text of the view."""
    p = _picture(scale, smoothing, weights)
    update_output_probabilities(figure, p["probs"], p["target"], p["titles"], p["target_label"], p["summary"])
    d, names, reads, answers = p["data"], p["names"], p["reads"], p["answers"]
    p_answer = d["probs"][np.arange(len(answers)), TARGET_IDS]
    lines = [f"{weights} weights: logits x {scale:.4f}, label smoothing {smoothing:.4f}"]
    for t, name in enumerate(answers):
        predicted = names[int(np.argmax(d["probs"][t]))]
        lines.append(f"position {t} ({reads[t]} -> {name}): p(answer) {p_answer[t]:.4f}, loss {d['per_token'][t]:.4f}, "
                     f"most likely {predicted}")
    lines += [f"cross-entropy (mean of the three): {d['loss']:.4f}",
              f"uniform guess ln {len(names)}: {np.log(len(names)):.4f}; lowest reachable with this smoothing: "
              f"{d['floor']:.4f}"]
    return "\n".join(lines)


def output_loss_explorer():
    """Sliders for the logit scale (logarithmic, 0.1 to 10) and the label smoothing, and a
    weights switch, above the live view."""
    import ipywidgets as w

    controls = {
        "scale": w.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.05, description="logits x",
                                  readout_format=".2f"),
        "smoothing": w.FloatSlider(value=0.0, min=0.0, max=0.5, step=0.05, description="smoothing",
                                   readout_format=".2f"),
        "weights": weights_switch(),
    }
    picture = Live(output_loss_layout, show_output_loss, layout_settings=("weights",),
                   reachable=weights_layouts())
    return explorer(picture, controls, "Output probabilities and cross-entropy")
