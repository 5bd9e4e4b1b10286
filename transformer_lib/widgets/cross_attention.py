"""The cross-attention explorer: choose the weights (untrained or trained), the three source
words (or <pad>) and a head, and see how each decoder row spreads its attention over the
source. Queries come from the decoder, keys and values from the encoder output; the only mask
is the source padding mask.

Rows read "reads -> predicts": the decoder input token of the row and the word the model
predicts there. The untrained model reads the lecture's decoder input <bos> naneun
goyangireul; the trained one reads its own translation so far (greedy decoding), so changing
`cats` to `dogs` changes what it writes (goyangireul -> gaereul), the rows that read it, and
the map."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..figures.cross_attention import cross_attention_figure, update_cross_attention
from ..lessons import toy, translation
from ..lessons.toy import DECODER_INPUT_IDS, PAD_ID, SOURCE_IDS, running_example, vocabulary
from .base import Live, View, explorer, keep_or_reset, printable, remembered_layout, weights_layouts, weights_switch

SOURCE_CHOICES: tuple[str, ...] = ("I", "love", "cats", "dogs", "<pad>")  # the lecture's source words


def source_choices(weights: str = "untrained") -> tuple[str, ...]:
    """The words the source menus offer: the lecture's with untrained weights (its model knows
    only its 11 tokens), every English word of the trained model's language with trained ones;
    <pad> last."""
    if toy.check_weights(weights) == "untrained":
        return SOURCE_CHOICES
    return (*translation.ENGLISH_WORDS, "<pad>")


def cross_attention_data(source_ids=tuple(SOURCE_IDS), seed: int = 0, weights: str = "untrained") -> dict[str, np.ndarray]:
    """The running example's model (`weights`: "untrained" from `seed`, or "trained") on
    `source_ids` (Ts,), with <pad> source tokens masked out (in the encoder and in the
    cross-attention). The untrained model reads the decoder input <bos> naneun goyangireul; the
    trained model reads <bos> and the first two words of its own greedy translation.

    Returns from the decoder's cross-attention trace ``masked_scores`` (h, 3, Ts) (-inf at
    <pad> keys) and ``weights`` (h, 3, Ts), plus ``decoder_input`` (3,) ids, ``predicted``
    (3,) the most probable token of each row, ``source_padding`` (Ts,) bool, ``memory``
    (Ts, d_model) and ``decoder_output`` (3, d_model)."""
    model = running_example(seed, weights)[0]
    src = np.asarray(source_ids)[None]
    names = vocabulary(weights)
    if not np.all((0 <= src) & (src < len(names))):
        raise ValueError(f"source_ids must be token ids in 0 .. {len(names) - 1} for {weights} weights, "
                         f"got {tuple(source_ids)}")
    padding = src == PAD_ID
    decoder_input = DECODER_INPUT_IDS
    if weights == "trained":
        written = translation.greedy_translations(model, src)[0]
        decoder_input = np.concatenate([[translation.BOS_ID], written[:2]])
    logits = model.forward(src, decoder_input[None], src_padding=padding)
    trace = model.trace()
    return {
        "masked_scores": trace["decoder.layers.0.cross_attn.masked_scores"][0],
        "weights": trace["decoder.layers.0.cross_attn.weights"][0],
        "decoder_input": decoder_input,
        "predicted": logits[0].argmax(axis=-1),
        "source_padding": padding[0],
        "memory": trace["memory"][0],
        "decoder_output": trace["decoder_output"][0],
    }


def cross_attention_view(word_1: int = 5, word_2: int = 8, word_3: int = 9, head: int = 0, seed: int = 0,
                         weights: str = "untrained") -> View:
    """One head's cross-attention: scaled scores (-inf at <pad> keys) and weights, rows the
    decoder rows ("reads -> predicts"), columns the chosen source tokens.

    The figure is laid out for the weights (`cross_attention_layout`) and then shows the source
    and head (`show_cross_attention`), as the explorer does."""
    figure = cross_attention_layout(seed, weights)
    return View(figure, show_cross_attention(figure, word_1, word_2, word_3, head, seed, weights), whole=True)


def _picture(source: tuple[int, int, int], head: int, seed: int, weights: str) -> tuple[dict, tuple]:
    d = cross_attention_data(source, seed, weights)
    names = vocabulary(weights)
    reads, predicts = toy.token_names(d["decoder_input"], names), toy.token_names(d["predicted"], names)
    d.update(reads=reads, predicts=predicts)
    rows = [f"{r} -> {p}" for r, p in zip(reads, predicts, strict=True)]
    return d, (d["masked_scores"][head], d["weights"][head], rows, toy.token_names(source, names), head, weights)


@remembered_layout
def cross_attention_layout(seed: int = 0, weights: str = "untrained") -> Figure:
    """The cross-attention picture of the lecture's source (head 1), laid out to hold any
    source of the weights' vocabulary: rows and columns are labelled with the widest names they
    can have (a decoder row reads "token -> token"), so `show_cross_attention` puts any source
    and head into it without laying it out again."""
    return cross_attention_figure(*_picture(tuple(int(i) for i in SOURCE_IDS), 0, seed, weights)[1],
                                  room_for=vocabulary(weights))


def show_cross_attention(figure: Figure, word_1: int = 5, word_2: int = 8, word_3: int = 9, head: int = 0,
                         seed: int = 0, weights: str = "untrained") -> str:
    """Put head `head` of this source into `figure` (from `cross_attention_layout` of the same
    weights) in place, and return the text of the view."""
    d, arguments = _picture((word_1, word_2, word_3), head, seed, weights)
    update_cross_attention(figure, *arguments)
    rows, cols = arguments[2], arguments[3]
    masked = [n for n, p in zip(cols, d["source_padding"], strict=True) if p]
    where_from = "its own translation so far" if weights == "trained" else "the lecture's target shifted right"
    lines = [f"source: {' '.join(cols)}; masked keys: {', '.join(masked) if masked else 'none'}",
             f"weights: {weights}; decoder input: {' '.join(d['reads'])} ({where_from})",
             f"predicted: {' '.join(d['predicts'])}",
             f"head {head + 1} cross-attention weights (rows: reads -> predicts)"]
    width = max(map(len, rows))
    for name, row in zip(rows, printable(d["weights"][head]), strict=True):
        lines.append(f"{name:>{width}}: " + " ".join(f"{v:.4f}" for v in row))
    return "\n".join(lines)


def _options(weights: str) -> list[tuple[str, int]]:
    names = vocabulary(weights)
    return [(word, names.index(word)) for word in source_choices(weights)]


def _follow_the_weights(controls: dict) -> None:
    """Give the source menus the words of the chosen weights' model (a word it does not know
    goes back to the lecture's word at that place)."""
    options = _options(controls["weights"].value)
    for i in range(3):
        keep_or_reset(controls[f"word_{i + 1}"], options, int(SOURCE_IDS[i]))


def cross_attention_explorer():
    """Three menus for the source words (those the chosen model knows), a toggle for the head and
    a weights switch, above the live view."""
    import ipywidgets as w

    layout = w.Layout(width="160px")
    controls = {}
    for i in range(3):
        controls[f"word_{i + 1}"] = w.Dropdown(options=_options("untrained"), value=int(SOURCE_IDS[i]),
                                               description=f"word {i + 1}", layout=layout,
                                               style={"description_width": "initial"})
    controls["head"] = w.ToggleButtons(options=[("head 1", 0), ("head 2", 1)], value=0, description="head")
    controls["weights"] = weights_switch()
    picture = Live(cross_attention_layout, show_cross_attention, layout_settings=("weights",),
                   reachable=weights_layouts())
    return explorer(picture, controls, "Cross-attention: decoder queries over the source",
                    sync=_follow_the_weights)
