"""Checkers for ``09_cross_attention.ipynb``: the shapes in cross-attention, one row of the
running example's cross-attention weights computed by hand, which mask the cross-attention
uses, the parameter count of one decoder layer, and, from the trained model's map on a sentence
it never saw in training, which source word each decoder row reads and which Korean word it
writes; and one decoder layer wired by the reader from its sub-layers."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..figures.token_labels import HANGUL
from ..lessons import translation
from ..lessons.toy import DECODER_INPUT_IDS, SOURCE_IDS, token_names, toy_model, trained_model
from ..model.config import LayerConfig
from ..model.decoder import DecoderLayer
from ..model.masks import causal_mask
from ..model.softmax import softmax
from ._counts import check_count
from ._pieces import pieces
from .feedback import NOT_ATTEMPTED, CheckResult, as_number_array, correct, known_mistake, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation
from .nb07 import random_layer

# Exercise 1: the toy model (d_model 6, 2 heads, so d_k = 3), a target of 4 and a source of 7 tokens.
TT, TS, D_K = 4, 7, 3
# Exercise 2: head 1, the query of the decoder input token "naneun" (position 1).
ROW_HEAD, ROW_QUERY = 0, 1


def check_cross_attention_shapes(answer) -> CheckResult:
    """Exercise 1: shapes of one head's Q, K, V and weights in cross-attention, Tt = 4, Ts = 7."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "Q has one row per decoder token; K and V one row per source token; each row has d_k = 3 numbers."
    expected = {"Q": (TT, D_K), "K": (TS, D_K), "V": (TS, D_K), "weights": (TT, TS)}
    if not isinstance(answer, dict):
        return wrong(f"the answer should be a dict with keys 'Q', 'K', 'V', 'weights', got {type(answer).__name__}.",
                     hint)
    missing = [k for k in expected if k not in answer]
    if missing:
        return wrong(f"the dict has no key {missing[0]!r}; it needs 'Q', 'K', 'V' and 'weights'.", hint)
    mistakes = {
        "Q": {(TS, D_K): "Q comes from the decoder: one row per target token (Tt = 4).",
              (TT, 2 * D_K): "per head, Q has d_k = d_model / heads = 3 columns, not d_model = 6."},
        "K": {(TT, D_K): "K comes from the encoder output (memory): one row per source token (Ts = 7).",
              (TS, 2 * D_K): "per head, K has d_k = 3 columns, not d_model = 6."},
        "V": {(TT, D_K): "V comes from the encoder output, like K: one row per source token (Ts = 7).",
              (TS, 2 * D_K): "per head, V has d_k = 3 columns, not d_model = 6."},
        "weights": {(TS, TT): "rows are queries (target tokens), columns keys (source tokens).",
                    (TT, TT): "that is the masked self-attention's map; cross-attention's is target x source.",
                    (TS, TS): "that is the encoder's self-attention map; cross-attention's is target x source."},
    }
    for key, shape in expected.items():
        value = answer[key]
        if not_attempted(value):
            return wrong(f"answer[{key!r}] is still {value!r}: replace it with a shape such as (2, 3).", hint)
        if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iu":
            value = tuple(value.tolist())  # np.array(q.shape) is a shape too
        if not isinstance(value, (tuple, list)) or not all(
            isinstance(n, (int, np.integer)) and not isinstance(n, bool) for n in value
        ):
            return wrong(f"answer[{key!r}] should be a shape, a tuple of whole numbers such as (2, 3), got {value!r}.",
                         hint)
        given = tuple(int(n) for n in value)
        if given != shape:
            reason = mistakes[key].get(given)
            return wrong(f"{key} is not {given}" + (f": {reason}" if reason else "."), hint)
    return correct("Q (4, 3) from the decoder, K and V (7, 3) from the encoder, weights (4, 7): one row per target "
                   "token, one column per source token.")


@lru_cache(maxsize=1)
def _running_example_cross_attention() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The running example's cross-attention Q, K, V, weights, each (h, T, .)."""
    model = toy_model(seed=0)
    model.forward(SOURCE_IDS[None], DECODER_INPUT_IDS[None])
    t = model.trace()
    return tuple(t[f"decoder.layers.0.cross_attn.{name}"][0].copy() for name in ("Q", "K", "V", "weights"))


def expected_cross_attention_row() -> np.ndarray:
    """Head 1's cross-attention weights of the query "naneun", as the package computed them (3,)."""
    return _running_example_cross_attention()[3][ROW_HEAD, ROW_QUERY]


def check_cross_attention_row(answer) -> CheckResult:
    """Exercise 2: softmax(q Kᵀ / sqrt(d_k)) for head 1 and the query "naneun" (3 numbers)."""
    hint = "scores = q @ K.T, divide by sqrt(d_k) = sqrt(3), then softmax (tl.softmax); no mask."
    arr = as_number_array(answer, "the row")
    if isinstance(arr, CheckResult):
        return arr
    expected = expected_cross_attention_row()
    if arr.shape != expected.shape:
        return wrong(f"the row has shape {arr.shape}, expected {expected.shape}: one weight per source token.", hint)
    if not np.all(np.isfinite(arr)):
        return wrong("the row holds NaN or inf; cross-attention masks no key here.", hint)
    close = {"atol": 5e-4, "rtol": 0}
    if np.allclose(arr, expected, **close):
        return correct("that is row 'naneun' of head 1's cross-attention weights (it sums to 1).")
    Q, K, V, _ = _running_example_cross_attention()
    q, k, v = Q[ROW_HEAD, ROW_QUERY], K[ROW_HEAD], V[ROW_HEAD]
    scores = q @ k.T
    causal = np.where(np.arange(k.shape[0]) > ROW_QUERY, -np.inf, scores / math.sqrt(D_K))
    source_scale = ("that divides by sqrt(6) = sqrt(d_model), the source's scale; the package (and the paper) "
                    "divide by sqrt(d_k) = sqrt(3).")
    no_causal = ("that applies the causal mask; cross-attention has none: every decoder token may look at the whole "
                 "source sentence.")
    mistakes = [
        (softmax(scores), "the scores were not scaled: divide by sqrt(d_k) = sqrt(3) before the softmax."),
        (softmax(scores / math.sqrt(6)), source_scale),
        (scores / math.sqrt(D_K), "those are the scaled scores; apply the softmax to turn them into weights."),
        (scores, "those are the raw scores q Kᵀ; scale by 1/sqrt(3) and apply the softmax."),
        (softmax(causal), no_causal),
        (softmax(q @ k / math.sqrt(D_K)), "multiply by K transposed (K.T): each score is q · one source token's key."),
        (expected @ v, "that is the head's output row (weights @ V); the exercise asks for the weights."),
    ]
    diagnosis = known_mistake(arr, mistakes, hint, **close)
    if diagnosis is not None:
        return diagnosis
    worst = int(np.argmax(np.abs(arr - expected)))
    return wrong(f"weight {worst} is {arr[worst]:.4f}, expected {expected[worst]:.4f}.", hint)


CHOICES = {
    "a": "the causal mask only",
    "b": "the source padding mask only",
    "c": "the causal mask and the source padding mask",
    "d": "the target padding mask",
}


def check_cross_attention_mask(answer) -> CheckResult:
    """Exercise 3: which mask the cross-attention uses (a, b, c or d)."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "the whole source sentence is known before decoding starts; only its <pad> tokens carry nothing."
    if not isinstance(answer, str):
        return wrong(f"answer with one letter, 'a', 'b', 'c' or 'd', as a string; got {type(answer).__name__}.", hint)
    letter = answer.strip().strip("()").strip(".").lower()
    if letter not in CHOICES:
        return wrong(f"answer with one letter, 'a', 'b', 'c' or 'd'; got {answer!r}.", hint)
    if letter == "b":
        return correct("the source padding mask only: every decoder position may read every real source token; "
                       "only <pad> keys are hidden.")
    reasons = {
        "a": "a causal mask hides *future* tokens of the same sequence; the keys here are source tokens, all of "
             "them known already.",
        "c": "the causal mask belongs to the decoder's self-attention; the source is known in full, so no source "
             "token is 'in the future'.",
        "d": "the keys of cross-attention are source tokens, so it is the *source* padding that is masked (a target "
             "<pad> query gets ignored by the loss instead).",
    }
    return wrong(f"not ({letter}): {reasons[letter]}", hint)


def check_decoder_layer_parameters(answer) -> CheckResult:
    """Exercise 4: parameters of one decoder layer of the toy model (d_model 6, d_ff 24)."""
    d, f = 6, 24
    attention, norm, ffn = 4 * (d * d + d), 2 * d, d * f + f + f * d + d
    encoder_layer = attention + 2 * norm + ffn
    expected = 2 * attention + 3 * norm + ffn
    return check_count(answer, expected, "the parameter count",
                       "a decoder layer holds two attention blocks, three layer norms and one FFN; chapter 07 counted "
                       "each of those parts for the toy model.", {
                           encoder_layer: "that is an encoder layer; the decoder layer adds the cross-attention "
                                          "block and a third layer norm.",
                           expected - norm: "the decoder layer has three add & norm steps: add the third layer "
                                            "norm.",
                           expected - attention: "the cross-attention has its own W_q, W_k, W_v, W_o: count both "
                                                 "attention blocks.",
                           8 * d * d + 2 * d * f: "that counts the weight matrices only; add the biases and the "
                                                  "layer norms.",
                       }, what=f"2 x {attention} + 3 x {norm} + {ffn} = {expected}.")


# Exercises 5 and 6: the trained model on a sentence held out of its training.
HELD_OUT_SENTENCE: tuple[str, str, str] = ("dogs", "hate", "milk")


@lru_cache(maxsize=1)
def trained_map() -> tuple[np.ndarray, tuple[str, ...]]:
    """The trained model's cross-attention on HELD_OUT_SENTENCE, averaged over its 2 heads
    (3 decoder rows x 3 source words; its decoder reads its own greedy translation), and that
    translation (3 Korean words)."""
    model = trained_model()
    src = np.array([[translation.TOKEN_ID[w] for w in HELD_OUT_SENTENCE]])
    written = translation.greedy_translations(model, src)[:, :3]
    weights = translation.cross_attention(model, src, written)[0].mean(axis=0)
    return weights, tuple(token_names(written[0], translation.VOCAB))


def _words(answer, what: str) -> list[str] | CheckResult:
    """`answer` as a list of 3 stripped strings, or the CheckResult to show instead."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    if isinstance(answer, str) or not isinstance(answer, (list, tuple)):
        return wrong(f"answer with a list of 3 {what}, row 0 first, e.g. [\"...\", \"...\", \"...\"]; "
                     f"got {type(answer).__name__}.")
    if len(answer) != 3 or not all(isinstance(w, str) for w in answer):
        return wrong(f"answer with a list of 3 {what} (strings), one per decoder row; got {answer!r}.")
    return [w.strip() for w in answer]


def check_rows_read(answer) -> CheckResult:
    """Exercise 5: the source word each decoder row of the trained map reads most."""
    hint = "in each row of the map, find the column with the largest weight and name its source word."
    words = _words(answer, "English source words")
    if isinstance(words, CheckResult):
        return words
    weights, written = trained_map()
    expected = [HELD_OUT_SENTENCE[int(c)] for c in weights.argmax(axis=1)]
    if [w.lower() for w in words] == expected:
        row = weights[np.arange(3), weights.argmax(axis=1)]
        return correct(f"the rows read {', '.join(expected)} (weights {', '.join(f'{w:.2f}' for w in row)}): the "
                       "row that writes the verb reads last, because Korean puts the verb last.")
    if [w.lower() for w in words] == list(HELD_OUT_SENTENCE):
        return wrong("that is the English word order. The rows write Korean: subject, object, verb; which row "
                     "writes the verb?", hint)
    if set(words) & (set(HANGUL) | set(HANGUL.values())):
        return wrong("answer with the English source words the rows read (the columns of the map), not the Korean "
                     "words they write (that is the next exercise).", hint)
    unknown = [w for w in words if w.lower() not in HELD_OUT_SENTENCE]
    if unknown:
        return wrong(f"{unknown[0]!r} is not a word of the source sentence {' '.join(HELD_OUT_SENTENCE)}.", hint)
    first = next(t for t in range(3) if words[t].lower() != expected[t])
    return wrong(f"row {first} puts its largest weight, {weights[first].max():.2f}, on {expected[first]}, not on "
                 f"{words[first]}.", hint)


def check_rows_write(answer) -> CheckResult:
    """Exercise 6: the Korean word each decoder row writes (romanised, as the vocabulary spells it,
    or in Hangul)."""
    hint = ("each row writes the Korean word for the English word it reads: a subject carries -ga/-neun, an object "
            "-reul/-eul, and the verb comes last.")
    words = _words(answer, "Korean words")
    if isinstance(words, CheckResult):
        return words
    romanised = {hangul: roman for roman, hangul in HANGUL.items()}
    words = [romanised.get(w, w.lower()) for w in words]
    _, expected = trained_map()
    if words == list(expected):
        return correct(f"{' '.join(expected)} ({' '.join(HANGUL[w] for w in expected)}), which is what the trained "
                       "model writes, though it never saw this sentence in training.")
    if set(words) & set(HELD_OUT_SENTENCE):
        return wrong("answer with the Korean words the rows write, not the English words they read.", hint)
    as_object = dict(translation.OBJECTS)
    subject = dict(translation.SUBJECTS)[HELD_OUT_SENTENCE[0]]
    if words[0] == as_object.get(HELD_OUT_SENTENCE[0]):
        return wrong(f"{words[0]} is {HELD_OUT_SENTENCE[0]} as an *object*; in row 0 it is the subject, "
                     f"{subject}.", hint)
    first = next(t for t in range(3) if words[t] != expected[t])
    return wrong(f"row {first} writes {expected[first]}, not {words[first]}.", hint)


# Exercise 7: one decoder layer, wired by the reader from the layer's own sub-layers.

DECODER_PIECES = {"self_attention": "self_attn", "cross_attention": "cross_attn", "feed_forward": "ffn",
                  "norm1": "norm1", "norm2": "norm2", "norm3": "norm3"}


def _decoder_case(seed: int, label: str, batch: int, target_tokens: int, source_tokens: int,
                  config: LayerConfig) -> Case:
    layer = random_layer(DecoderLayer, config, seed)
    rng = np.random.default_rng(seed + 100)
    y = rng.standard_normal((batch, target_tokens, config.d_model))
    memory = rng.standard_normal((batch, source_tokens, config.d_model))
    return Case({"y": y, "memory": memory, **pieces(layer, DECODER_PIECES)}, label)


def decoder_layer_with(y, memory, self_attention, cross_attention, feed_forward, norm1, norm2, norm3, causal=True,
                       invert_mask=False, keys_from="memory", queries_from="h1"):
    """One decoder layer wired with one slip, for the typical wrong versions of exercise 7: no
    causal mask (or one read the wrong way round), the cross-attention's keys and values taken
    from the decoder (`keys_from="h1"`) or its queries from the memory (`queries_from="memory"`)
    or from the layer's input y."""
    mask = causal_mask(y.shape[1]) if causal else None
    if invert_mask:
        mask = ~mask
    h1 = norm1(y + self_attention(y, y, mask))
    sides = {"h1": h1, "memory": memory, "y": y}
    h2 = norm2(h1 + cross_attention(sides[queries_from], sides[keys_from]))
    return norm3(h2 + feed_forward(h2))


def _package_decoder_layer(y, memory, self_attention, *rest):
    return self_attention.layer.forward(y, memory, causal_mask(y.shape[1]))


def _torch_decoder_layer(y, memory, self_attention, *rest):
    import torch

    from ..reference.torch_model import torch_twin

    causal = torch.as_tensor(causal_mask(y.shape[1]))
    with torch.no_grad():
        return torch_twin(self_attention.layer)(torch.as_tensor(y), torch.as_tensor(memory), tgt_mask=causal).numpy()


def _decoder_mistake(**slip):
    return lambda y, memory, *pieces_: decoder_layer_with(y, memory, *pieces_, **slip)


@lru_cache(maxsize=1)
def decoder_layer_exercise() -> Exercise:
    """Exercise 7: `decoder_layer_forward(y, memory, self_attention, cross_attention, feed_forward, norm1,
    norm2, norm3) -> out`, y (B, Tt, d_model), memory (B, Ts, d_model); the six pieces are the
    sub-layers of one DecoderLayer, as functions. The running example comes first: with Tt = Ts
    a cross-attention with its inputs swapped still runs, and is recognised."""
    cases = (
        _decoder_case(90, "the running example's layer (d_model 6, 2 heads, d_ff 24, 3 target and 3 source tokens)",
                      1, 3, 3, LayerConfig(d_model=6, num_heads=2, d_ff=24)),
        _decoder_case(91, "2 sentences, 4 target and 6 source tokens (d_model 8, 4 heads, d_ff 16)", 2, 4, 6,
                      LayerConfig(d_model=8, num_heads=4, d_ff=16)),
        _decoder_case(92, "5 target and 2 source tokens (d_model 4, 1 head, d_ff 8)", 1, 5, 2,
                      LayerConfig(d_model=4, num_heads=1, d_ff=8)),
    )
    mistakes = (
        Mistake(_decoder_mistake(causal=False),
                "the self-attention has no causal mask: pass causal_mask(Tt) as its mask, so that position t does "
                "not read the target tokens after t."),
        Mistake(_decoder_mistake(invert_mask=True),
                "the causal mask is read the wrong way round: True means hidden, so pass causal_mask(Tt) itself."),
        Mistake(_decoder_mistake(keys_from="h1"),
                "the cross-attention's keys and values come from the decoder: they come from the encoder's "
                "output, cross_attention(h1, memory)."),
        Mistake(_decoder_mistake(queries_from="memory", keys_from="h1"),
                "the cross-attention's queries come from the memory and its keys and values from the decoder: "
                "swap them, cross_attention(h1, memory); the decoder asks, the source answers."),
        Mistake(_decoder_mistake(queries_from="memory"),
                "the cross-attention's queries come from the memory: they come from the decoder, h1."),
        Mistake(_decoder_mistake(queries_from="y"),
                "the cross-attention's queries come from the layer's input y: they come from h1, the output of the "
                "first add & norm."),
    )
    return Exercise(
        function_name="decoder_layer_forward", outputs=("out",), cases=cases,
        references=(Reference("the package's DecoderLayer", _package_decoder_layer),
                    Reference("torch.nn.TransformerDecoderLayer", _torch_decoder_layer)),
        mistakes=mistakes,
        hint="h1 = norm1(y + self_attention(y, y, causal_mask(Tt))); h2 = norm2(h1 + cross_attention(h1, memory)); "
             "out = norm3(h2 + feed_forward(h2)).",
        success="masked self-attention, cross-attention on the memory, feed-forward, each added and normalised.",
    )


def check_decoder_layer(function) -> CheckResult:
    """Exercise 7: the reader's `decoder_layer_forward(y, memory, self_attention, cross_attention, feed_forward, norm1,
    norm2, norm3)`."""
    return check_implementation(function, decoder_layer_exercise())
