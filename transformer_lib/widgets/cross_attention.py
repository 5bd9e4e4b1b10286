"""The cross-attention explorer: choose the three source words (or <pad>) and a head, and see
how each decoder input token spreads its attention over the source. Queries come from the
decoder, keys and values from the encoder output; the only mask is the source padding mask."""

from __future__ import annotations

import numpy as np

from ..figures.cross_attention import cross_attention_figure
from ..lessons.toy import DECODER_INPUT_IDS, PAD_ID, SOURCE_IDS, VOCAB, running_example, token_names
from .base import View, explorer, printable

SOURCE_CHOICES: tuple[str, ...] = ("I", "love", "cats", "dogs", "<pad>")


def cross_attention_data(source_ids=tuple(SOURCE_IDS), seed: int = 0) -> dict[str, np.ndarray]:
    """The toy model on `source_ids` (Ts,) and the decoder input <bos> naneun goyangireul, with
    <pad> source tokens masked out (in the encoder and in the cross-attention).

    Returns from the decoder's cross-attention trace ``masked_scores`` (h, Tt, Ts) (-inf at
    <pad> keys) and ``weights`` (h, Tt, Ts), plus ``source_padding`` (Ts,) bool, ``memory``
    (Ts, d_model) and ``decoder_output`` (Tt, d_model)."""
    src = np.asarray(source_ids)[None]
    padding = src == PAD_ID
    model = running_example(seed)[0]
    model.forward(src, DECODER_INPUT_IDS[None], src_padding=padding)
    trace = model.trace()
    return {
        "masked_scores": trace["decoder.layers.0.cross_attn.masked_scores"][0],
        "weights": trace["decoder.layers.0.cross_attn.weights"][0],
        "source_padding": padding[0],
        "memory": trace["memory"][0],
        "decoder_output": trace["decoder_output"][0],
    }


def cross_attention_view(word_1: int = 5, word_2: int = 8, word_3: int = 9, head: int = 0, seed: int = 0) -> View:
    """One head's cross-attention: scaled scores (-inf at <pad> keys) and weights, rows the
    decoder input tokens, columns the chosen source tokens."""
    source = (word_1, word_2, word_3)
    d = cross_attention_data(source, seed)
    rows, cols = token_names(DECODER_INPUT_IDS), token_names(source)
    fig = cross_attention_figure(d["masked_scores"][head], d["weights"][head], rows, cols, head)
    masked = [n for n, p in zip(cols, d["source_padding"], strict=True) if p]
    lines = [f"source: {' '.join(cols)}; masked keys: {', '.join(masked) if masked else 'none'}",
             f"head {head + 1} cross-attention weights (rows: decoder input {', '.join(rows)})"]
    for name, row in zip(rows, printable(d["weights"][head]), strict=True):
        lines.append(f"{name:>12}: " + " ".join(f"{v:.4f}" for v in row))
    return View(fig, "\n".join(lines))


def cross_attention_explorer():
    """Three menus for the source words and a toggle for the head, above the live view."""
    import ipywidgets as w

    options = [(name, VOCAB.index(name)) for name in SOURCE_CHOICES]
    layout = w.Layout(width="160px")
    controls = {
        f"word_{i + 1}": w.Dropdown(options=options, value=int(SOURCE_IDS[i]), description=f"word {i + 1}",
                                    layout=layout, style={"description_width": "initial"})
        for i in range(3)
    }
    controls["head"] = w.ToggleButtons(options=[("head 1", 0), ("head 2", 1)], value=0, description="head")
    return explorer(cross_attention_view, controls, "Cross-attention: decoder queries over the source")
