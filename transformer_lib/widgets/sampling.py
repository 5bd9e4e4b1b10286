"""The sampling control: a temperature, top-k and top-p reshape one next-token distribution, and
a seeded sample of draws from the reshaped one shows what a decoder that samples would write.

By default the distribution is the running example's (random weights) at its first decoder
position; pass any logits (V,) and token names to explore another."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from ..figures.sampling import sampling_figure, update_sampling
from ..lessons.toy import VOCAB, running_example
from ..model.softmax import softmax
from ..training.sampling import draw, sampling_distribution
from .base import Live, View, explorer, remembered_layout

SAMPLE_SIZE = 20


def _running_example_logits() -> np.ndarray:
    return running_example()[1]["logits"][0, 0]


def sampling_view(temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, seed: int = 0, logits=None,
                  names: Sequence[str] = VOCAB) -> View:
    """The distribution softmax(logits) and the one sampled from after the temperature, top-k
    (0: off) and top-p (1: off), with `SAMPLE_SIZE` draws seeded by `seed`.

    The figure is laid out for the tokens (`sampling_layout`) and then shows the settings
    (`show_sampling`), as the explorer does."""
    figure = sampling_layout(logits, names)
    return View(figure, show_sampling(figure, temperature, top_k, top_p, seed, logits, names), whole=True)


def _numbers(temperature: float, top_k: int, top_p: float, seed: int, logits, names) -> dict:
    logits = _running_example_logits() if logits is None else np.asarray(logits, dtype=np.float64)
    original = softmax(logits)
    reshaped = sampling_distribution(logits, temperature, top_k or None, top_p)
    sample = draw(np.tile(reshaped, (SAMPLE_SIZE, 1)), seed)
    settings = f"temperature {temperature:.2f}, top-k {top_k or 'off'}, top-p {top_p:.2f}"
    return dict(original=original, reshaped=reshaped, sample=sample, settings=settings,
                share=np.bincount(sample, minlength=len(names)) / SAMPLE_SIZE,
                title=f"{settings}; {SAMPLE_SIZE} draws, seed {seed}")


@remembered_layout
def sampling_layout(logits=None, names: Sequence[str] = VOCAB) -> Figure:
    """The sampling picture of these logits at temperature 1, no top-k or top-p, seed 0;
    `show_sampling` puts any other setting into it."""
    n = _numbers(1.0, 0, 1.0, 0, logits, names)
    return sampling_figure(n["original"], n["reshaped"], names, n["share"], title=n["title"])


def show_sampling(figure: Figure, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, seed: int = 0,
                  logits=None, names: Sequence[str] = VOCAB) -> str:
    """Put these settings into `figure` (from `sampling_layout(logits, names)`) in place, and
    return the text of the view."""
    n = _numbers(temperature, top_k, top_p, seed, logits, names)
    update_sampling(figure, n["original"], n["reshaped"], n["share"], title=n["title"])
    original, reshaped, sample = n["original"], n["reshaped"], n["sample"]
    kept = np.flatnonzero(reshaped > 0)
    order = kept[np.argsort(-reshaped[kept], kind="stable")]
    entropy = -np.sum(reshaped[kept] * np.log(reshaped[kept]))
    lines = [n["settings"] + f", seed {seed}",
             f"{len(kept)} of {len(names)} tokens kept; entropy {entropy:.4f} nats (softmax: "
             f"{-np.sum(original * np.log(original)):.4f})",
             "kept, most probable first: " + ", ".join(f"{names[i]} {reshaped[i]:.4f}" for i in order),
             f"{SAMPLE_SIZE} draws: " + " ".join(names[i] for i in sample)]
    return "\n".join(lines)


def sampling_explorer(logits=None, names: Sequence[str] = VOCAB):
    """Sliders for the temperature (0.1 to 3), top-k (0 = off, up to the vocabulary), top-p and
    the seed of the sample."""
    import ipywidgets as w

    controls = {
        "temperature": w.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="temperature",
                                     readout_format=".1f"),
        "top_k": w.IntSlider(value=0, min=0, max=len(names), description="top-k (0 off)"),
        "top_p": w.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05, description="top-p", readout_format=".2f"),
        "seed": w.IntSlider(value=0, min=0, max=20, description="seed"),
    }
    picture = Live(lambda: sampling_layout(logits, names),
                   lambda figure, **values: show_sampling(figure, **values, logits=logits, names=names))
    return explorer(picture, controls,
                    "Sampling the next token")
