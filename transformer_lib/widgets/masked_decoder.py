"""The masked-decoder explorer: change one token of the decoder input and see which decoder
outputs move. With the causal mask (마스크) position t reads only positions 0 .. t, so a change
at position p leaves every output before p exactly as it was; without the mask every output
moves. Every function takes `weights`: "untrained" (drawn from `seed`) or "trained"."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ..figures.masked_decoder import masked_decoder_figure, update_masked_decoder
from ..lessons.toy import DECODER_INPUT_IDS, TARGET_IDS, running_example, token_names, vocabulary
from ..model.masks import causal_mask
from .base import Live, View, explorer, keep_or_reset, printable, remembered_layout, weights_layouts, weights_switch

FEATURES = [f"f{i}" for i in range(6)]


@lru_cache(maxsize=4)
def _model_and_memory(seed: int, weights: str):
    """The toy model of `seed` (or the trained one) and its encoder output for the source "I
    love cats" (1, 3, 6)."""
    model, trace = running_example(seed, weights)
    return model, trace["memory"]


def decoder_run(decoder_input_ids, masked: bool = True, seed: int = 0, weights: str = "untrained") -> dict[str, np.ndarray]:
    """The toy model's decoder on `decoder_input_ids` (T,), reading the running example's
    encoder output, with or without the causal mask on its self-attention.

    Returns ``output`` (T, d_model), the decoder's output, and from its self-attention trace
    ``masked_scores`` (h, T, T) (-inf where masked) and ``weights`` (h, T, T)."""
    model, memory = _model_and_memory(seed, weights)
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
                        seed: int = 0, weights: str = "untrained") -> dict[str, np.ndarray]:
    """Run the toy decoder on the running example's decoder input (<bos> naneun goyangireul)
    and on a copy with the token at `changed_position` replaced by `new_token`.

    Returns ``input_ids`` and ``changed_ids`` (T,), ``output`` and ``changed_output``
    (T, d_model), ``change`` = |changed_output - output| (T, d_model), ``max_change`` (T,) its
    largest entry per position, ``moved`` (T,) bool (False where the output is exactly equal),
    and ``weights`` / ``masked_scores`` (h, T, T) of the changed run's self-attention."""
    ids = DECODER_INPUT_IDS.copy()
    if not 0 <= changed_position < len(ids):
        raise ValueError(f"changed_position must be in 0 .. {len(ids) - 1}, got {changed_position}")
    vocab = vocabulary(weights)
    if not 0 <= new_token < len(vocab):
        raise ValueError(f"new_token must be a token id in 0 .. {len(vocab) - 1} for {weights} weights, got {new_token}")
    changed = ids.copy()
    changed[changed_position] = new_token
    before = decoder_run(ids, masked, seed, weights)
    after = decoder_run(changed, masked, seed, weights)
    change = np.abs(after["output"] - before["output"])
    return {
        "input_ids": ids, "changed_ids": changed,
        "output": before["output"], "changed_output": after["output"],
        "change": change, "max_change": change.max(axis=1),
        "moved": np.any(after["output"] != before["output"], axis=1),
        "weights": after["weights"], "masked_scores": after["masked_scores"],
    }


def masked_decoder_view(changed_position: int = 2, new_token: int = 10, masked: bool = True, seed: int = 0,
                        weights: str = "untrained") -> View:
    """The changed input's self-attention weights (both heads) and |change| of every decoder
    output, rows labelled "reads -> predicts" (a `*` marks the changed token); the text says
    per position whether its output moved.

    The figure is laid out for the weights (`masked_decoder_layout`) and then shows the change
    (`show_masked_decoder`), as the explorer does."""
    figure = masked_decoder_layout(seed, weights)
    return View(figure, show_masked_decoder(figure, changed_position, new_token, masked, seed, weights), whole=True)


def _picture(changed_position: int, new_token: int, masked: bool, seed: int, weights: str) -> tuple[dict, tuple, dict]:
    d = masked_decoder_data(changed_position, new_token, masked, seed, weights)
    vocab = vocabulary(weights)
    old, new = token_names(d["input_ids"], vocab), token_names(d["changed_ids"], vocab)
    # Row t reads input token t and predicts target token t: the (changed) input shifted left, then the last word.
    predicts = token_names(np.append(d["changed_ids"][1:], TARGET_IDS[-1]), vocab)
    rows = [f"{n}{'*' if i == changed_position else ''} -> {p}" for i, (n, p) in enumerate(zip(new, predicts, strict=True))]
    mode = "causal mask" if masked else "no mask"
    swap = f"position {changed_position}: {old[changed_position]} -> {new[changed_position]}"
    keys = [f"{n}*" if i == changed_position else n for i, n in enumerate(new)]
    names = dict(old=old, new=new, swap=swap, keys=keys)
    return d, (d["weights"], d["change"], rows, FEATURES), dict(names, title=f"{weights} weights, {swap}, {mode}")


@remembered_layout
def masked_decoder_layout(seed: int = 0, weights: str = "untrained") -> Figure:
    """The masked-decoder picture of `weights` (the last token changed to the lecture's 10, with
    the mask), a frame for every token name of its vocabulary: `show_masked_decoder` puts any
    change into it."""
    _, arguments, names = _picture(2, 10, True, seed, weights)
    return masked_decoder_figure(*arguments, title=names["title"], key_labels=names["keys"],
                                 room_for=vocabulary(weights))


def show_masked_decoder(figure: Figure, changed_position: int = 2, new_token: int = 10, masked: bool = True,
                        seed: int = 0, weights: str = "untrained") -> str:
    """Put this change into `figure` (from `masked_decoder_layout(seed, weights)`) in place, and
    return the text of the view."""
    d, arguments, names = _picture(changed_position, new_token, masked, seed, weights)
    update_masked_decoder(figure, *arguments, title=names["title"], key_labels=names["keys"])
    old, new = names["old"], names["new"]
    lines = [
        f"weights: {weights}",
        f"decoder input: {' '.join(old)}",
        f"changed input: {' '.join(new)}  ({names['swap']})",
        f"causal mask: {'on' if masked else 'off'}",
    ]
    for t, (name, largest, moved) in enumerate(zip(new, d["max_change"], d["moved"], strict=True)):
        lines.append(f"position {t} ({name}): max |change| {largest:.4f}  {'moved' if moved else 'unchanged'}")
    for h, w in enumerate(d["weights"]):
        lines.append(f"head {h + 1} weights (rows: queries): "
                     + " | ".join(" ".join(f"{v:.4f}" for v in row) for row in printable(w)))
    return "\n".join(lines)


def _token_options(weights: str) -> list[tuple[str, int]]:
    return [(n, i) for i, n in enumerate(vocabulary(weights))]


def _follow_the_weights(controls: dict) -> None:
    """Give the new-token menu the vocabulary of the chosen weights' model."""
    keep_or_reset(controls["new_token"], _token_options(controls["weights"].value), 10)


def masked_decoder_explorer():
    """A "causal mask" checkbox, menus for the position to change and its new token, and a
    weights switch, above the live view."""
    import ipywidgets as w

    names = token_names(DECODER_INPUT_IDS)
    style = {"description_width": "initial"}
    controls = {
        "masked": w.Checkbox(value=True, description="causal mask", indent=False),
        "changed_position": w.Dropdown(options=[(f"{i} ({n})", i) for i, n in enumerate(names)], value=2,
                                       description="position to change", style=style),
        "new_token": w.Dropdown(options=_token_options("untrained"), value=10, description="new token", style=style),
        "weights": weights_switch(),
    }
    picture = Live(lambda weights: masked_decoder_layout(weights=weights), show_masked_decoder,
                   layout_settings=("weights",), reachable=weights_layouts())
    return explorer(picture, controls, "Change one decoder input token: which outputs move?",
                    sync=_follow_the_weights)
