"""The masked-decoder explorer: change one token of the decoder input and see which decoder
outputs move. With the causal mask (마스크) position t reads only positions 0 .. t, so a change
at position p leaves every output before p exactly as it was; without the mask every output
moves."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..figures.masked_decoder import masked_decoder_figure
from ..lessons.toy import DECODER_INPUT_IDS, VOCAB, running_example, token_names
from ..model.masks import causal_mask
from .base import View, explorer, printable

FEATURES = [f"f{i}" for i in range(6)]


@lru_cache(maxsize=4)
def _model_and_memory(seed: int):
    """The toy model of `seed` and its encoder output for the source "I love cats" (1, 3, 6)."""
    model, trace = running_example(seed)
    return model, trace["memory"]


def decoder_run(decoder_input_ids, masked: bool = True, seed: int = 0) -> dict[str, np.ndarray]:
    """The toy model's decoder on `decoder_input_ids` (T,), reading the running example's
    encoder output, with or without the causal mask on its self-attention.

    Returns ``output`` (T, d_model), the decoder's output, and from its self-attention trace
    ``masked_scores`` (h, T, T) (-inf where masked) and ``weights`` (h, T, T)."""
    model, memory = _model_and_memory(seed)
    ids = np.asarray(decoder_input_ids)
    length = ids.shape[-1]
    y = model.tgt_embed.forward(ids[None]) + model.pe[:length]  # (1, T, d_model)
    out = model.decoder.forward(y, memory, causal_mask(length) if masked else None)
    trace = model.decoder.trace()
    return {
        "output": out[0],
        "masked_scores": trace["layers.0.self_attn.masked_scores"][0],
        "weights": trace["layers.0.self_attn.weights"][0],
    }


def masked_decoder_data(changed_position: int = 2, new_token: int = 10, masked: bool = True,
                        seed: int = 0) -> dict[str, np.ndarray]:
    """Run the toy decoder on the running example's decoder input (<bos> naneun goyangireul)
    and on a copy with the token at `changed_position` replaced by `new_token`.

    Returns ``input_ids`` and ``changed_ids`` (T,), ``output`` and ``changed_output``
    (T, d_model), ``change`` = |changed_output - output| (T, d_model), ``max_change`` (T,) its
    largest entry per position, ``moved`` (T,) bool (False where the output is exactly equal),
    and ``weights`` / ``masked_scores`` (h, T, T) of the changed run's self-attention."""
    ids = DECODER_INPUT_IDS.copy()
    if not 0 <= changed_position < len(ids):
        raise ValueError(f"changed_position must be in 0 .. {len(ids) - 1}, got {changed_position}")
    if not 0 <= new_token < len(VOCAB):
        raise ValueError(f"new_token must be a token id in 0 .. {len(VOCAB) - 1}, got {new_token}")
    changed = ids.copy()
    changed[changed_position] = new_token
    before = decoder_run(ids, masked, seed)
    after = decoder_run(changed, masked, seed)
    change = np.abs(after["output"] - before["output"])
    return {
        "input_ids": ids, "changed_ids": changed,
        "output": before["output"], "changed_output": after["output"],
        "change": change, "max_change": change.max(axis=1),
        "moved": np.any(after["output"] != before["output"], axis=1),
        "weights": after["weights"], "masked_scores": after["masked_scores"],
    }


def masked_decoder_view(changed_position: int = 2, new_token: int = 10, masked: bool = True, seed: int = 0) -> View:
    """The changed input's self-attention weights (both heads) and |change| of every decoder
    output; the text says per position whether its output moved."""
    d = masked_decoder_data(changed_position, new_token, masked, seed)
    old, new = token_names(d["input_ids"]), token_names(d["changed_ids"])
    rows = [f"{n}*" if i == changed_position else n for i, n in enumerate(new)]
    mode = "causal mask" if masked else "no mask"
    swap = f"position {changed_position}: {old[changed_position]} -> {new[changed_position]}"
    fig = masked_decoder_figure(d["weights"], d["change"], rows, FEATURES, title=f"{swap}, {mode}")
    lines = [
        f"decoder input: {' '.join(old)}",
        f"changed input: {' '.join(new)}  ({swap})",
        f"causal mask: {'on' if masked else 'off'}",
    ]
    for t, (name, largest, moved) in enumerate(zip(new, d["max_change"], d["moved"], strict=True)):
        lines.append(f"position {t} ({name}): max |change| {largest:.4f}  {'moved' if moved else 'unchanged'}")
    for h, w in enumerate(d["weights"]):
        lines.append(f"head {h + 1} weights (rows: queries): "
                     + " | ".join(" ".join(f"{v:.4f}" for v in row) for row in printable(w)))
    return View(fig, "\n".join(lines))


def masked_decoder_explorer():
    """A "causal mask" checkbox and menus for the position to change and its new token, above
    the live view."""
    import ipywidgets as w

    names = token_names(DECODER_INPUT_IDS)
    style = {"description_width": "initial"}
    controls = {
        "masked": w.Checkbox(value=True, description="causal mask", indent=False),
        "changed_position": w.Dropdown(options=[(f"{i} ({n})", i) for i, n in enumerate(names)], value=2,
                                       description="position to change", style=style),
        "new_token": w.Dropdown(options=[(n, i) for i, n in enumerate(VOCAB)], value=10, description="new token",
                                style=style),
    }
    return explorer(masked_decoder_view, controls, "Change one decoder input token: which outputs move?")
