"""Checkers for ``02_positional_encoding.ipynb``: the 3 x 6 positional-encoding table by hand,
the order of self-attention's outputs for a reordered sentence without positional encoding,
the encoder input row of one token (embedding plus positional encoding), and the table written
as a function."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.toy import SOURCE_IDS, toy_model
from ..model.positional_encoding import sinusoidal_positional_encoding
from .feedback import NOT_ATTEMPTED, CheckResult, as_number_array, check_matrix, correct, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation

D_MODEL, POSITIONS = 6, 3
# Exercise 2: two sentences of the same words in a different order.
SENTENCE_A = ("the", "dog", "bites", "the", "man")
SENTENCE_B = ("the", "man", "bites", "the", "dog")
# Exercise 3: the encoder input of the source token at this position ("cats").
INPUT_POSITION = 2


def _table(even, odd, exponent="pair") -> np.ndarray:
    """A (3, 6) table from the given even- and odd-column functions (for the usual mistakes)."""
    pos = np.arange(POSITIONS)[:, None]
    dims = np.arange(D_MODEL)[None, :]
    power = (dims - dims % 2) if exponent == "pair" else dims
    angles = pos / 10000.0 ** (power / D_MODEL)
    return np.where(dims % 2 == 0, even(angles), odd(angles))


def _by_word_position(exponent: str) -> np.ndarray:
    """The lecture's wording taken literally: sine on even positions (rows), cosine on odd ones."""
    angles = _table(lambda a: a, lambda a: a, exponent)
    return np.where(np.arange(POSITIONS)[:, None] % 2 == 0, np.sin(angles), np.cos(angles))


def check_pe_table(answer) -> CheckResult:
    """Exercise 1: the positional encoding of positions 0, 1, 2 for d_model = 6, shape (3, 6)."""
    name = "the table"
    hint = ("column 2i holds sin(pos / 10000^(2i/6)) and column 2i + 1 holds cos of the same angle: "
            "both columns of a pair share the exponent 2i.")
    arr = as_number_array(answer, name)
    if isinstance(arr, CheckResult):
        return arr
    expected = sinusoidal_positional_encoding(POSITIONS, D_MODEL)
    mistakes = [
        (expected.T, "that is the table transposed: one row per position, one column per dimension."),
        (_table(np.cos, np.sin), "sine and cosine are swapped: even dimensions use sine."),
        (_table(np.sin, np.cos, exponent="dimension"), "the odd column uses the exponent of its own index; "
         "it shares 2i with the even column before it (dimension 3 uses 10000^(2/6), not 10000^(3/6))."),
        *[(_by_word_position(exponent), "that alternates sine and cosine by *word position* (the lecture's "
           "wording); in the paper the *dimension* index alternates.") for exponent in ("pair", "dimension")],
        (np.sin(_table(lambda a: a, lambda a: a)), "every column is a sine; odd dimensions use cosine."),
        (_table(lambda a: np.sin(np.deg2rad(a)), lambda a: np.cos(np.deg2rad(a))),
         "the angles are radians, not degrees."),
    ]
    return check_matrix(arr, expected, name, hint, atol=1e-6, mistakes=mistakes,
                        what="row 0 alternates 0 and 1; each later pair of columns turns more slowly.")


def permutation_is_consistent(order, a=SENTENCE_A, b=SENTENCE_B) -> bool:
    """True if taking the rows of sentence `a` in `order` spells sentence `b`."""
    return len(order) == len(b) and all(a[j] == word for j, word in zip(order, b, strict=True))


def check_row_order(answer) -> CheckResult:
    """Exercise 2: without positional encoding, output(B) = output(A)[order]; give `order`."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "row t of B's output is the row of A's output for the same word: find B's word t in A."
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, np.ndarray, range)):
        return wrong(f"the answer should be a list of 5 row numbers such as [0, 1, 2, 3, 4], got "
                     f"{type(answer).__name__}.", hint)
    items = list(np.asarray(answer, dtype=object).ravel()) if isinstance(answer, np.ndarray) else list(answer)
    if items and all(isinstance(i, str) for i in items):
        return wrong("give row numbers of sentence A (0 to 4), not words.", hint)
    order = []
    for i in items:
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            return wrong(f"the answer should hold whole row numbers, got {i!r}.", hint)
        order.append(int(i))
    if len(order) != len(SENTENCE_B):
        return wrong(f"{len(order)} numbers, expected {len(SENTENCE_B)}: one row of A for each word of B.", hint)
    if any(not 0 <= j < len(SENTENCE_A) for j in order):
        return wrong("the rows of A are numbered 0 to 4.", hint)
    if permutation_is_consistent(order):
        the_rows = [t for t, word in enumerate(SENTENCE_B) if word == "the"]
        return correct(f"{order}: B's rows are A's rows, reordered. Both 'the' rows ({the_rows[0]} and "
                       f"{the_rows[1]}) are the same vector, so either 'the' row of A will do.")
    if order == list(range(len(SENTENCE_B))):
        return wrong("that says nothing moved; but 'man' and 'dog' swapped places.", hint)
    wrong_at = next(t for t, j in enumerate(order) if SENTENCE_A[j] != SENTENCE_B[t])
    return wrong(f"row {wrong_at} of B is '{SENTENCE_B[wrong_at]}', but row {order[wrong_at]} of A is "
                 f"'{SENTENCE_A[order[wrong_at]]}'.", hint)


def encoder_input_row(seed: int = 0) -> np.ndarray:
    """The toy model's encoder input (embedding x sqrt(6) + PE) of the source token at
    `INPUT_POSITION`, shape (6,)."""
    model = toy_model(seed=seed)
    model.encode(SOURCE_IDS[None])
    return model.trace()["src_input"][0, INPUT_POSITION]


def check_encoder_input_row(answer, seed: int = 0) -> CheckResult:
    """Exercise 3: the encoder input row of "cats" (id 9, position 2) in the toy model of `seed`."""
    name = "the row"
    hint = "take row 9 of model.src_embed.weight, multiply by sqrt(6), and add the positional encoding of position 2."
    arr = as_number_array(answer, name)
    if isinstance(arr, CheckResult):
        return arr
    arr = arr.ravel() if arr.size == D_MODEL else arr
    model = toy_model(seed=seed)
    table, pe = model.src_embed.weight, model.pe
    token = int(SOURCE_IDS[INPUT_POSITION])
    scaled = table[token] * np.sqrt(D_MODEL)
    mistakes = [
        (table[token] + pe[INPUT_POSITION], "the embedding row is multiplied by sqrt(6) first (the toy model, "
                                            "like the paper, has embed_scale=True)."),
        (scaled + pe[token], "the positional encoding is indexed by the position (2), not by the token id (9)."),
        (scaled + pe[0], "'cats' sits at position 2, not 0."),
        (scaled, "the positional encoding is missing."),
        (pe[INPUT_POSITION], "the embedding is missing."),
        ((table[token] + pe[INPUT_POSITION]) * np.sqrt(D_MODEL), "only the embedding is scaled, not the sum."),
    ]
    return check_matrix(arr, encoder_input_row(seed), name, hint, atol=1e-6, mistakes=mistakes,
                        what="the same numbers as row 'cats' of the model's src_input.")


# Exercise 4: the table, written by the reader as a function.

def positional_encoding_with(max_len, d_model, swap=False, exponent="pair", by_position=False, odd_last=True):
    """The table with one step changed, for the typical wrong versions of exercise 4: sine and
    cosine swapped, the `exponent` of the divisor 10000^(e / d_model) ("pair": e = 2i, the
    paper; "dimension": e = the column's own index; "half": e = i), sine and cosine alternating
    by position instead of by dimension, and an odd d_model's last column left at 0."""
    pos = np.arange(max_len, dtype=np.float64)[:, None]
    dims = np.arange(d_model)[None, :]
    e = {"pair": dims - dims % 2, "dimension": dims, "half": dims // 2}[exponent]
    angles = pos / 10000.0 ** (e / d_model)
    even, odd = (np.cos, np.sin) if swap else (np.sin, np.cos)
    alternating = pos % 2 if by_position else dims % 2
    table = np.where(alternating == 0, even(angles), odd(angles))
    if not odd_last and d_model % 2:
        table[:, -1] = 0.0
    return table


@lru_cache(maxsize=1)
def positional_encoding_exercise() -> Exercise:
    """Exercise 4: `positional_encoding(max_len, d_model) -> table (max_len, d_model)`."""
    cases = (
        Case({"max_len": POSITIONS, "d_model": D_MODEL}, "the running example: 3 positions, d_model 6"),
        Case({"max_len": 20, "d_model": 16}, "20 positions, d_model 16"),
        Case({"max_len": 9, "d_model": 7}, "9 positions, an odd d_model of 7"),
    )
    return Exercise(
        function_name="positional_encoding", outputs=("table",), cases=cases,
        references=(Reference("the package's sinusoidal_positional_encoding", sinusoidal_positional_encoding),),
        mistakes=(
            Mistake(lambda n, d: positional_encoding_with(n, d, swap=True),
                    "sine and cosine are swapped: even dimensions (0, 2, 4, ...) use the sine."),
            Mistake(lambda n, d: positional_encoding_with(n, d, exponent="dimension"),
                    "each odd column uses its own index in the exponent; a pair shares 2i: dimensions 2i and 2i + 1 "
                    "both divide by 10000^(2i / d_model)."),
            Mistake(lambda n, d: positional_encoding_with(n, d, exponent="half"),
                    "the exponent is i / d_model; the paper's is 2i / d_model, with i the pair index (i = dim // 2)."),
            Mistake(lambda n, d: positional_encoding_with(n, d, by_position=True),
                    "sine and cosine alternate by *position* (the lecture's even and odd words); in the paper the "
                    "*dimension* alternates, and every position gets both."),
            Mistake(lambda n, d: positional_encoding_with(n, d, odd_last=False),
                    "for an odd d_model the last column stays 0: it is a sine, sin(pos / 10000^((d_model - 1) / "
                    "d_model)), with no cosine partner."),
            Mistake(lambda n, d: positional_encoding_with(n, d).T,
                    "that is the table transposed: one row per position, one column per dimension."),
        ),
        hint="angles = pos / 10000 ** (2i / d_model) for pos = 0 .. max_len - 1 (a column) and 2i = 0, 2, 4, ... "
             "(a row); the sines fill columns 0::2, the cosines of the same angles columns 1::2.",
        success="sines in the even columns, cosines in the odd ones, each pair with its own wavelength.",
    )


def check_positional_encoding(function) -> CheckResult:
    """Exercise 4: the reader's `positional_encoding(max_len, d_model)`."""
    return check_implementation(function, positional_encoding_exercise())
