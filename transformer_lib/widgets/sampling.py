"""The sampling control: a temperature, top-k and top-p reshape one next-token distribution, and
a seeded sample of draws from the reshaped one shows what a decoder that samples would write.

By default the distribution is the running example's (random weights) at its first decoder
position; pass any logits (V,) and token names to explore another."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..figures.sampling import sampling_figure
from ..lessons.toy import VOCAB, running_example
from ..model.softmax import softmax
from ..training.sampling import draw, sampling_distribution
from .base import View, explorer

SAMPLE_SIZE = 20


def _running_example_logits() -> np.ndarray:
    return running_example()[1]["logits"][0, 0]


def sampling_view(temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0, seed: int = 0, logits=None,
                  names: Sequence[str] = VOCAB) -> View:
    """The distribution softmax(logits) and the one sampled from after the temperature, top-k
    (0: off) and top-p (1: off), with `SAMPLE_SIZE` draws seeded by `seed`."""
    logits = _running_example_logits() if logits is None else np.asarray(logits, dtype=np.float64)
    original = softmax(logits)
    reshaped = sampling_distribution(logits, temperature, top_k or None, top_p)
    sample = draw(np.tile(reshaped, (SAMPLE_SIZE, 1)), seed)
    share = np.bincount(sample, minlength=len(names)) / SAMPLE_SIZE
    settings = f"temperature {temperature:.2f}, top-k {top_k or 'off'}, top-p {top_p:.2f}"
    figure = sampling_figure(original, reshaped, names, share, title=f"{settings}; {SAMPLE_SIZE} draws, seed {seed}")
    kept = np.flatnonzero(reshaped > 0)
    order = kept[np.argsort(-reshaped[kept], kind="stable")]
    entropy = -np.sum(reshaped[kept] * np.log(reshaped[kept]))
    lines = [settings + f", seed {seed}",
             f"{len(kept)} of {len(names)} tokens kept; entropy {entropy:.4f} nats (softmax: "
             f"{-np.sum(original * np.log(original)):.4f})",
             "kept, most probable first: " + ", ".join(f"{names[i]} {reshaped[i]:.4f}" for i in order),
             f"{SAMPLE_SIZE} draws: " + " ".join(names[i] for i in sample)]
    return View(figure, "\n".join(lines))


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
    return explorer(lambda **values: sampling_view(**values, logits=logits, names=names), controls,
                    "Sampling the next token")
