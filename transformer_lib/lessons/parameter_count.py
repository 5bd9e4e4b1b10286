"""How many parameters each box of the encoder holds, by formula, to set beside the package's
own count (``Module.num_parameters()``).

Every Linear layer d_in -> d_out has d_in * d_out weights and d_out biases. The number of heads
does not appear: the heads split W_q, W_k, W_v into column blocks, they do not add weights."""

from __future__ import annotations

from ..model.encoder import EncoderLayer


def linear_parameters(d_in: int, d_out: int) -> int:
    """Weights plus biases of one Linear layer d_in -> d_out."""
    return d_in * d_out + d_out


def attention_parameters(d_model: int) -> int:
    """Multi-head attention: W_q, W_k, W_v, W_o, each d_model x d_model with a bias."""
    return 4 * linear_parameters(d_model, d_model)


def layer_norm_parameters(d_model: int) -> int:
    """Layer normalisation: a gain (gamma) and a bias (beta), each of length d_model."""
    return 2 * d_model


def feed_forward_parameters(d_model: int, d_ff: int) -> int:
    """Feed-forward network: Linear d_model -> d_ff, then Linear d_ff -> d_model."""
    return linear_parameters(d_model, d_ff) + linear_parameters(d_ff, d_model)


def encoder_layer_parameters(d_model: int, d_ff: int) -> int:
    """One encoder layer: attention, two layer norms and the feed-forward network."""
    return attention_parameters(d_model) + 2 * layer_norm_parameters(d_model) + feed_forward_parameters(d_model, d_ff)


def encoder_parameters(num_layers: int, d_model: int, d_ff: int) -> int:
    """A stack of `num_layers` encoder layers (no embedding, no final norm)."""
    return num_layers * encoder_layer_parameters(d_model, d_ff)


def parameter_table(layer: EncoderLayer, num_layers: int) -> list[tuple[str, int, int]]:
    """Rows ``(part, counted, by_formula)`` for one encoder layer's boxes, the whole layer and a
    stack of `num_layers` such layers. `counted` comes from the layer's parameters; the stack
    is `num_layers` layers of the same shape, so its count is the layer's times `num_layers`."""
    d_model, d_ff = layer.self_attn.d_model, layer.ffn.linear1.d_out
    rows = [
        ("multi-head attention", layer.self_attn.num_parameters(), attention_parameters(d_model)),
        ("add & norm 1 (layer norm)", layer.norm1.num_parameters(), layer_norm_parameters(d_model)),
        ("feed-forward", layer.ffn.num_parameters(), feed_forward_parameters(d_model, d_ff)),
        ("add & norm 2 (layer norm)", layer.norm2.num_parameters(), layer_norm_parameters(d_model)),
        ("one encoder layer", layer.num_parameters(), encoder_layer_parameters(d_model, d_ff)),
    ]
    rows.append((f"encoder, {num_layers} layers", num_layers * layer.num_parameters(),
                 encoder_parameters(num_layers, d_model, d_ff)))
    return rows


def format_parameter_table(rows: list[tuple[str, int, int]]) -> str:
    """The rows of `parameter_table` as aligned text, with thousands separators."""
    width = max(len(part) for part, _, _ in rows)
    lines = [f"{'part':<{width}}  {'counted':>12}  {'formula':>12}  equal"]
    lines += [f"{part:<{width}}  {counted:>12,}  {formula:>12,}  {counted == formula}" for part, counted, formula in rows]
    return "\n".join(lines)
