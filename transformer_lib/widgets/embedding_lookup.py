"""The embedding-lookup explorer: pick the three tokens of a sentence and see their one-hot
rows, the rows of the embedding table they select, and the vectors that come out (임베딩)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from ..figures.embedding_lookup import embedding_lookup_figure, update_embedding_lookup
from ..lessons.toy import SOURCE_IDS, VOCAB, running_example, token_names
from ..model.embedding import Embedding
from .base import Live, View, explorer, printable, remembered_layout

FEATURES = [f"f{i}" for i in range(6)]


def embedding_lookup_data(ids=tuple(SOURCE_IDS), scale: bool = True, seed: int = 0) -> dict[str, np.ndarray]:
    """Embed the token `ids` (T,) with the toy model's source embedding table (11, 6).

    Returns ``ids`` (T,), ``one_hot`` (T, 11), ``table`` (11, 6), ``multiplier`` (sqrt(6) if
    `scale`, else 1), ``vectors`` (T, 6) from the package's `Embedding` layer, and ``product`` =
    one_hot @ table x multiplier (T, 6), the same numbers by a matrix product."""
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or ids.size == 0 or ids.min() < 0 or ids.max() >= len(VOCAB):
        raise ValueError(f"ids must be a non-empty list of token ids in 0 .. {len(VOCAB) - 1}, got {ids.tolist()}")
    table = running_example(seed)[0].src_embed.weight
    layer = Embedding(len(VOCAB), table.shape[1], np.random.default_rng(0), scale=scale)
    layer.weight[...] = table
    one_hot = np.eye(len(VOCAB))[ids]
    return {
        "ids": ids, "one_hot": one_hot, "table": table, "multiplier": layer.multiplier,
        "vectors": layer.forward(ids), "product": one_hot @ table * layer.multiplier,
    }


def embedding_lookup_view(first: int = 5, second: int = 8, third: int = 9, scale: bool = True, seed: int = 0) -> View:
    """The one-hot matrix, the table with the chosen rows outlined, and the resulting vectors;
    the text lists each token's vector and confirms that the product equals the lookup.

    The figure is laid out once (`embedding_lookup_layout`) and then shows the tokens
    (`show_embedding_lookup`), as the explorer does."""
    figure = embedding_lookup_layout(seed)
    return View(figure, show_embedding_lookup(figure, first, second, third, scale, seed), whole=True)


def _figure_arguments(d: dict, scale: bool) -> tuple:
    labels = [f"{t}: {n}" for t, n in enumerate(token_names(d["ids"]))]
    return (d["ids"], d["one_hot"], d["table"], d["vectors"], VOCAB, labels, FEATURES,
            "vectors x sqrt(6)" if scale else "vectors")


@remembered_layout
def embedding_lookup_layout(seed: int = 0) -> Figure:
    """The embedding-lookup picture of the lecture's sentence, a frame for every token at every
    place: `show_embedding_lookup` puts any three tokens, scaled or not, into it."""
    every_label = [f"{t}: {name}" for t in range(len(SOURCE_IDS)) for name in VOCAB]
    return embedding_lookup_figure(*_figure_arguments(embedding_lookup_data(tuple(SOURCE_IDS), True, seed), True),
                                   room_for=every_label)


def show_embedding_lookup(figure: Figure, first: int = 5, second: int = 8, third: int = 9, scale: bool = True,
                          seed: int = 0) -> str:
    """Put these tokens into `figure` (from `embedding_lookup_layout(seed)`) in place, and
    return the text of the view."""
    d = embedding_lookup_data((first, second, third), scale, seed)
    update_embedding_lookup(figure, *_figure_arguments(d, scale))
    names = token_names(d["ids"])
    lines = [f"sentence: {' '.join(names)}  (ids {' '.join(map(str, d['ids']))})",
             f"scale: x {d['multiplier']:.4f}" + (" (sqrt(d_model), as in the paper)" if scale else " (none)")]
    for name, i, row in zip(names, d["ids"], printable(d["vectors"]), strict=True):
        lines.append(f"{name:>12} (row {i:2d}): " + " ".join(f"{v:7.4f}" for v in row))
    lines.append(f"one-hot @ table x scale = lookup: {bool(np.allclose(d['product'], d['vectors'], atol=1e-12))}")
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        lines.append(f"repeated token(s) {', '.join(repeated)}: the same row, so the same vector")
    return "\n".join(lines)


def embedding_lookup_explorer():
    """Three token menus and a "x sqrt(d_model)" checkbox above the live view."""
    import ipywidgets as w

    options = [(f"{i} {name}", i) for i, name in enumerate(VOCAB)]
    layout = w.Layout(width="190px")
    controls = {
        name: w.Dropdown(options=options, value=int(value), description=f"word {t}", layout=layout)
        for t, (name, value) in enumerate(zip(("first", "second", "third"), SOURCE_IDS, strict=True))
    }
    controls["scale"] = w.Checkbox(value=True, description="x sqrt(d_model)", indent=False)
    picture = Live(lambda: embedding_lookup_layout(), show_embedding_lookup)  # one layout for every sentence
    return explorer(picture, controls, "Embedding lookup: pick the sentence's tokens")
