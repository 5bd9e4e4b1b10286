"""The attention explorer: choose three source tokens, a temperature, a head and the causal mask,
and follow scaled dot-product attention (셀프 어텐션) step by step: Q Kᵀ, the scaled scores, the
softmax weights (each row sums to 1) and the output, weights times V.

The scores are divided by temperature · sqrt(d_k); temperature 1 is the paper. The head is the
single head of width 6 made from the toy model's encoder self-attention weights (chapter 03),
or one of that model's own 2 heads of width 3 (chapter 04). Every function takes `weights`:
"untrained" (the toy model drawn from `seed`) or "trained" (``toy.trained_model()``).

The multi-head view (chapter 04) reads the same four weight matrices as 1, 2, 3 or 6 heads and
shows every head's weights, one head's Q, K, V, and the concatenation and output."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.figure import Figure

from ..figures.attention_steps import attention_steps_figure, update_attention_steps
from ..figures.multi_head import multi_head_figure, update_multi_head
from ..lessons.attention_scale import row_entropy
from ..lessons.heads import attention_multiply_adds, with_num_heads
from ..lessons.toy import SOURCE_IDS, running_example, token_names, vocabulary
from ..model.attention import MultiHeadAttention, scaled_dot_product_attention
from ..model.masks import causal_mask, mask_scores
from .base import Live, View, explorer, keep_or_reset, printable, remembered_layout, weights_layouts, weights_switch

HEAD_CHOICES: tuple[tuple[str, tuple[int, int]], ...] = (
    ("single head (d_k = 6)", (1, 0)),
    ("head 1 of 2 (d_k = 3)", (2, 0)),
    ("head 2 of 2 (d_k = 3)", (2, 1)),
)
NUM_HEADS_CHOICES: tuple[int, ...] = (1, 2, 3, 6)


@lru_cache(maxsize=16)
def toy_attention(num_heads: int = 1, scale: str = "d_k", seed: int = 0, weights: str = "untrained") -> MultiHeadAttention:
    """The toy model's encoder self-attention weights (W_Q, W_K, W_V, W_O, each 6 x 6) read as
    `num_heads` heads. With 2 heads and ``scale="d_k"`` it computes what the toy model does."""
    return with_num_heads(running_example(seed, weights)[0].encoder.layers[0].self_attn, num_heads, scale)


def source_input(tokens=tuple(SOURCE_IDS), seed: int = 0, weights: str = "untrained") -> np.ndarray:
    """The encoder's input X = embedding + positional encoding of `tokens` (T,), shape (T, 6),
    from the toy model's trace."""
    model = running_example(seed, weights)[0]
    model.encode(np.asarray(tokens)[None])
    return model.trace()["src_input"][0].copy()


def attention_data(tokens=tuple(SOURCE_IDS), temperature: float = 1.0, num_heads: int = 1, head: int = 0,
                   masked: bool = False, seed: int = 0, weights: str = "untrained") -> dict:
    """Self-attention of one head over the encoder input of `tokens` (T,), step by step.

    The head is head `head` of `toy_attention(num_heads)`; its scores are divided by
    temperature · sqrt(d_k). Returns ``X`` (T, 6), ``Q``, ``K``, ``V`` (T, d_k), ``scores``
    = Q Kᵀ (T, T), ``scaled_scores`` (T, T) (-inf where the causal mask hides a key),
    ``weights`` (T, T) (softmax per row), ``output`` = weights V (T, d_k), ``mask`` (T, T) bool
    or None, ``d_k`` and ``scale`` = 1 / (temperature · sqrt(d_k))."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not 0 <= head < num_heads:
        raise ValueError(f"head must be in 0 .. {num_heads - 1}, got {head}")
    ids = np.asarray(tokens)
    vocab = vocabulary(weights)
    if ids.ndim != 1 or not np.all((0 <= ids) & (ids < len(vocab))):
        raise ValueError(f"tokens must be ids in 0 .. {len(vocab) - 1} for {weights} weights, got {tokens}")
    x = source_input(tuple(int(i) for i in ids), seed, weights)
    attn = toy_attention(num_heads, "d_k", seed, weights)
    attn.forward(x[None], x[None])
    trace = attn.trace()
    q, k, v = (trace[name][0, head] for name in ("Q", "K", "V"))  # (T, d_k) each
    d_k = q.shape[-1]
    scale = 1.0 / (temperature * math.sqrt(d_k))
    mask = causal_mask(len(ids)) if masked else None
    output, weights = scaled_dot_product_attention(q, k, v, mask, scale)
    scores = trace["scores"][0, head]
    scaled = mask_scores(scores * scale, mask)
    return {"X": x, "Q": q, "K": k, "V": v, "scores": scores, "scaled_scores": scaled, "weights": weights,
            "output": output, "mask": mask, "d_k": d_k, "scale": scale}


def _head_name(num_heads: int, head: int) -> str:
    return "single head" if num_heads == 1 else f"head {head + 1} of {num_heads}"


def attention_view(tokens=tuple(SOURCE_IDS), temperature: float = 1.0, num_heads: int = 1, head: int = 0,
                   masked: bool = False, seed: int = 0, weights: str = "untrained") -> View:
    """Q Kᵀ, the scaled scores, the softmax weights and the output of one head, annotated; the
    text gives the weights (4 decimals) with each row's largest weight and entropy.

    The figure is laid out for the weights' vocabulary (`attention_layout`) and then shows the
    settings (`show_attention`), as the explorer does, so the two draw the same picture."""
    figure = attention_layout(seed, weights)
    return View(figure, show_attention(figure, tokens, temperature, num_heads, head, masked, seed, weights), whole=True)


@remembered_layout
def attention_layout(seed: int = 0, weights: str = "untrained") -> Figure:
    """The attention picture of the lecture's tokens at the paper's settings (temperature 1,
    the single head, no mask), laid out to hold any token names of the weights' vocabulary:
    `show_attention` puts any setting of these weights into it, the tokens included, without
    laying it out again."""
    d = attention_data(seed=seed, weights=weights)
    return attention_steps_figure(d["scores"], d["scaled_scores"], d["weights"], d["output"],
                                  token_names(SOURCE_IDS, vocabulary(weights)), temperature=1.0, masked=False,
                                  head_name=f"{weights} {_head_name(1, 0)}", room_for=vocabulary(weights))


def show_attention(figure: Figure, tokens=tuple(SOURCE_IDS), temperature: float = 1.0, num_heads: int = 1,
                   head: int = 0, masked: bool = False, seed: int = 0, weights: str = "untrained") -> str:
    """Put the numbers and token names of these settings into `figure` (from
    `attention_layout(seed, weights)`) in place, and return the text of the view."""
    d = attention_data(tokens, temperature, num_heads, head, masked, seed, weights)
    names = token_names(tokens, vocabulary(weights))
    d_k = d["d_k"]
    who = f"{weights} {_head_name(num_heads, head)}"
    update_attention_steps(figure, d["scores"], d["scaled_scores"], d["weights"], d["output"], names,
                           temperature=temperature, masked=masked, head_name=who)
    entropy = row_entropy(d["weights"])
    width = max(map(len, names))
    lines = [
        f"tokens: {' '.join(names)}",
        f"{who}, d_k = {d_k}; temperature {temperature:.2f}: scores / ({temperature:.2f} x sqrt({d_k})) "
        f"= scores x {d['scale']:.4f}",
        f"causal mask: {'on' if masked else 'off'}",
        f"softmax weights (rows: queries; columns: keys {', '.join(names)}):",
    ]
    for name, row, largest, h in zip(names, printable(d["weights"]), d["weights"].max(axis=1), entropy, strict=True):
        lines.append(f"  {name:>{width}}  " + " ".join(f"{v:.4f}" for v in row)
                     + f"   max {largest:.4f}  entropy {h + 0.0:.4f}")
    lines.append(f"every row sums to 1: {bool(np.allclose(d['weights'].sum(axis=1), 1.0, atol=1e-12))}")
    lines.append(f"output = weights V ({len(names)} x {d_k}):")
    for name, row in zip(names, printable(d["output"]), strict=True):
        lines.append(f"  {name:>{width}}  " + " ".join(f"{v:7.4f}" for v in row))
    return "\n".join(lines)


def _explorer_layout(weights: str) -> Figure:
    return attention_layout(weights=weights)


def _explorer_show(figure: Figure, token_1: int, token_2: int, token_3: int, temperature: float,
                   head: tuple[int, int], masked: bool, weights: str) -> str:
    num_heads, index = head
    return show_attention(figure, (token_1, token_2, token_3), temperature, num_heads, index, masked,
                          weights=weights)


def _token_options(weights: str) -> list[tuple[str, int]]:
    return [(name, i) for i, name in enumerate(vocabulary(weights))]


def _follow_the_weights(controls: dict) -> None:
    """Give the token menus the vocabulary of the chosen weights' model (a token the untrained
    model does not know goes back to the lecture's token at that place)."""
    options = _token_options(controls["weights"].value)
    for i in range(3):
        keep_or_reset(controls[f"token_{i + 1}"], options, int(SOURCE_IDS[i]))


def attention_explorer():
    """Menus "token 1" .. "token 3" (the vocabulary of the chosen model), a "temperature" slider
    (0.1 to 3), a "head" menu (the single head, or head 1 or 2 of the toy model's 2), a "causal
    mask" checkbox and a weights switch (untrained / trained), above the live view. The figure
    is updated in place, the token names too; other weights lay it out again."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    controls = {}
    for i in range(3):
        controls[f"token_{i + 1}"] = w.Dropdown(options=_token_options("untrained"), value=int(SOURCE_IDS[i]),
                                                description=f"token {i + 1}", style=style,
                                                layout=w.Layout(width="170px"))
    controls["temperature"] = w.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.1, description="temperature",
                                            readout_format=".1f", style=style)
    controls["head"] = w.Dropdown(options=list(HEAD_CHOICES), value=HEAD_CHOICES[0][1], description="head",
                                  style=style)
    controls["masked"] = w.Checkbox(value=False, description="causal mask", indent=False)
    controls["weights"] = weights_switch()
    picture = Live(_explorer_layout, _explorer_show, layout_settings=("weights",),
                   reachable=weights_layouts())
    return explorer(picture, controls, "Attention explorer: scores / (temperature x sqrt(d_k)), softmax, times V",
                    sync=_follow_the_weights)


# -- multi-head view (chapter 04) ---------------------------------------------------------------

def multi_head_data(num_heads: int = 2, scale: str = "d_k", tokens=tuple(SOURCE_IDS), seed: int = 0,
                    weights: str = "untrained") -> dict:
    """The toy model's encoder self-attention weights read as `num_heads` heads, run on the
    encoder input of `tokens` (T,). Returns the attention's trace without the batch axis:
    ``Q``, ``K``, ``V``, ``scores``, ``scaled_scores``, ``weights``, ``head_outputs`` (h, T, ·),
    ``concat`` and ``output`` (T, 6); plus ``d_k`` and ``scale`` (the factor on the scores)."""
    if num_heads not in NUM_HEADS_CHOICES:
        raise ValueError(f"num_heads must be one of {NUM_HEADS_CHOICES}, got {num_heads}")
    x = source_input(tuple(int(i) for i in np.asarray(tokens)), seed, weights)
    attn = toy_attention(num_heads, scale, seed, weights)
    attn.forward(x[None], x[None])
    data = {name: value[0] for name, value in attn.trace().items()}
    data.update(d_k=attn.d_k, scale=attn.scale)
    return data


def multi_head_view(num_heads: int = 2, head: int = 0, scale: str = "d_k", seed: int = 0,
                    weights: str = "untrained") -> View:
    """Top: every head's softmax weights. Bottom: head `head`'s Q, K, V and output, then the
    concatenation of all heads (with one head, its output is that concatenation), on one
    colour scale. The text gives each head's weights, the block's output (concat W_O), and the
    parameter and multiply-add counts (the same for every h).

    The figure is laid out for the number of heads (`multi_head_layout`) and then shows the
    settings (`show_multi_head`), as the explorer does."""
    figure = multi_head_layout(num_heads, seed)
    return View(figure, show_multi_head(figure, num_heads, head, scale, seed, weights), whole=True)


@remembered_layout
def multi_head_layout(num_heads: int = 2, seed: int = 0) -> Figure:
    """The multi-head picture of `num_heads` heads (head 1 open, the paper's scale, untrained
    weights); `show_multi_head` puts any other setting with as many heads into it."""
    return multi_head_figure(*_multi_head_figure_arguments(num_heads, 0, "d_k", seed, "untrained"))


def _multi_head_figure_arguments(num_heads: int, head: int, scale: str, seed: int, weights: str) -> tuple:
    if not 0 <= head < num_heads:
        raise ValueError(f"head must be in 0 .. {num_heads - 1}, got {head}")
    d = multi_head_data(num_heads, scale, seed=seed, weights=weights)
    divisor = f"sqrt({d['d_k'] if scale == 'd_k' else 6})"
    return (d["weights"], d["Q"][head], d["K"][head], d["V"][head], d["head_outputs"][head], d["concat"],
            token_names(SOURCE_IDS), head, divisor, weights)


def show_multi_head(figure: Figure, num_heads: int = 2, head: int = 0, scale: str = "d_k", seed: int = 0,
                    weights: str = "untrained") -> str:
    """Put these settings into `figure` (from `multi_head_layout(num_heads, seed)`) in place,
    and return the text of the view."""
    arguments = _multi_head_figure_arguments(num_heads, head, scale, seed, weights)
    update_multi_head(figure, *arguments)
    d = multi_head_data(num_heads, scale, seed=seed, weights=weights)
    names = token_names(SOURCE_IDS)
    d_k = d["d_k"]
    divisor = arguments[8]
    counts = attention_multiply_adds(len(names), 6, num_heads)
    lines = [
        f"weights: {weights}",
        f"heads: {num_heads}, d_k = 6 / {num_heads} = {d_k}; scores / {divisor} = scores x {d['scale']:.4f} "
        f"({'the paper' if scale == 'd_k' or num_heads == 1 else 'the source document'})",
        f"parameters: {toy_attention(num_heads, scale).num_parameters()} (W_Q, W_K, W_V, W_O with biases)",
        f"multiply-adds for {len(names)} tokens: {counts['total']}",
    ]
    for h in range(num_heads):
        lines.append(f"head {h + 1} weights (rows: queries {', '.join(names)}): "
                     + " | ".join(" ".join(f"{v:.4f}" for v in row) for row in printable(d["weights"][h])))
    lines.append("output (rows: " + ", ".join(names) + "):")
    for name, row in zip(names, printable(d["output"]), strict=True):
        lines.append(f"  {name:>4}  " + " ".join(f"{v:7.4f}" for v in row))
    return "\n".join(lines)


def multi_head_explorer():
    """A "heads" menu (1, 2, 3, 6), a "head" menu (which head to open), a "divide by" toggle
    (sqrt(d_k), the paper, or sqrt(d_model), the source) and a weights switch (untrained /
    trained), above the live view."""
    import ipywidgets as w

    style = {"description_width": "initial"}
    num_heads = w.Dropdown(options=list(NUM_HEADS_CHOICES), value=2, description="heads", style=style,
                           layout=w.Layout(width="120px"))
    head = w.Dropdown(options=[(f"head {i + 1}", i) for i in range(2)], value=0, description="head", style=style,
                      layout=w.Layout(width="150px"))

    scale = w.ToggleButtons(options=[("sqrt(d_k) (paper)", "d_k"), ("sqrt(d_model) (source)", "d_model")],
                            value="d_k", description="divide by", style=style)
    controls = {"num_heads": num_heads, "head": head, "scale": scale, "weights": weights_switch()}
    picture = Live(multi_head_layout, show_multi_head, layout_settings=("num_heads",),
                   reachable=tuple({"num_heads": heads} for heads in NUM_HEADS_CHOICES))
    return explorer(picture, controls, "Multi-head attention: the same weights as 1, 2, 3 or 6 heads",
                    sync=_one_menu_entry_per_head)


def _one_menu_entry_per_head(controls: dict) -> None:
    """Give the "head" menu one entry per head (the open head stays open if it still exists)."""
    keep_or_reset(controls["head"], [(f"head {i + 1}", i) for i in range(controls["num_heads"].value)], 0)
