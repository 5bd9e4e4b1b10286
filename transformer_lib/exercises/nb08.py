"""Checkers for ``08_masked_attention.ipynb``: the causal mask of length 4, shifting a target
right behind <bos>, which attention weights a causal-plus-padding mask sets to zero, which
decoder outputs a changed input token can move; and the reader's own causal mask and shift to
the right."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.toy import BOS_ID, EOS_ID, PAD_ID, VOCAB
from ..model.masks import attention_mask, causal_mask
from ..training.loop import make_batch
from .feedback import NOT_ATTEMPTED, CheckResult, correct, is_whole_number, not_attempted, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation

# Exercise 2: the target "naneun gaereul joahae <eos>".
SHIFT_TARGET = (0, 10, 3, EOS_ID)
# Exercise 3: the decoder input "<bos> naneun <pad> <pad>" (a 2-token sentence padded to 4).
PADDED_INPUT = (BOS_ID, 0, PAD_ID, PAD_ID)
# Exercise 4: a decoder input of 5 tokens with the causal mask; the token at position 1 changes.
MOVE_LENGTH, MOVE_POSITION = 5, 1


def _as_bool_matrix(answer, name: str) -> np.ndarray | CheckResult:
    """`answer` as a boolean array if it holds only True/False (or 0/1), else a CheckResult.
    An additive mask (0 and -inf) gets its own explanation."""
    try:
        arr = np.asarray(answer)
    except (TypeError, ValueError):
        return wrong(f"{name} should be an array of True/False, got {type(answer).__name__}.")
    if arr.dtype == bool:
        return arr
    if arr.dtype.kind not in "iuf" or arr.size == 0:
        return wrong(f"{name} should be an array of True/False, got {type(answer).__name__}.",
                     "for example np.array([[False, True], [False, False]]).")
    if arr.dtype.kind == "f" and np.any(np.isneginf(arr)):
        return wrong(f"{name} holds -inf: that is the additive form of the mask (added to the scores before the "
                     "softmax).", "here give the boolean mask: True where the key is hidden, False where it is seen.")
    if not np.all(np.isin(arr, (0, 1))):
        return wrong(f"{name} should hold only True/False (or 1/0).", "True means masked out.")
    return arr.astype(bool)


def check_causal_mask(answer) -> CheckResult:
    """Exercise 1: the causal mask for length 4, True = masked out."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    name, hint = "the mask", "row t is query t; it may see keys 0 .. t, so True goes right of the diagonal."
    arr = _as_bool_matrix(answer, name)
    if isinstance(arr, CheckResult):
        return arr
    expected = causal_mask(4)
    if arr.shape != expected.shape:
        return wrong(f"{name} has shape {arr.shape}, expected (4, 4): one row per query, one column per key.", hint)
    if np.array_equal(arr, expected):
        return correct("True above the diagonal: query t cannot see the keys after t.")
    if np.array_equal(arr, ~expected):
        return wrong("that marks the positions a query may see; the package's convention (as PyTorch's boolean "
                     "masks) is True = masked out.", hint)
    if np.array_equal(arr, expected.T):
        return wrong("that hides the past (below the diagonal); the decoder must hide the future.", hint)
    if np.array_equal(arr, np.triu(np.ones((4, 4), dtype=bool))):
        return wrong("the diagonal is masked too, so query 0 would see nothing at all; a token may look at "
                     "its own position.", hint)
    r, c = np.argwhere(arr != expected)[0]
    return wrong(f"entry [{r}, {c}] (query {r}, key {c}) should be {bool(expected[r, c])}.", hint)


def check_shift_right(answer) -> CheckResult:
    """Exercise 2: the decoder input for the target (0, 10, 3, 4) = naneun gaereul joahae <eos>."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "put <bos> (id 2) in front and drop the last token, so the input keeps the target's length."
    ids = _as_ids(answer, "the decoder input")
    if isinstance(ids, CheckResult):
        return ids
    target = list(SHIFT_TARGET)
    expected = [BOS_ID, *target[:-1]]
    if ids == expected:
        return correct(f"{expected} = {' '.join(VOCAB[i] for i in expected)}: position t holds target token t - 1 "
                       "and predicts target token t.")
    mistakes = {
        tuple(target): "that is the target itself: position t would see the very token it must predict.",
        (BOS_ID, *target): "the decoder input keeps the target's length: drop the last token (<eos> is "
                                  "only ever predicted, never read).",
        tuple(target[1:] + [BOS_ID]): "that shifts left; the start token goes in front and everything moves right.",
        tuple(target[1:]): "that shifts left; the start token goes in front and everything moves right.",
        tuple(target[:-1]): "the start token <bos> is missing in front.",
        (EOS_ID, *target[:-1]): "the start token is <bos> (id 2), not <eos> (id 4).",
        (PAD_ID, *target[:-1]): "the start token is <bos> (id 2), not <pad> (id 1).",
    }
    if tuple(ids) in mistakes:
        return wrong(f"not {ids}: {mistakes[tuple(ids)]}", hint)
    return wrong(f"not {ids}.", hint)


def _as_ids(answer, name: str, what: str = "token ids") -> list[int] | CheckResult:
    """`answer` as a list of whole numbers (`what`: token ids or positions), or a CheckResult
    saying why not."""
    if isinstance(answer, str) or not isinstance(answer, (list, tuple, np.ndarray)):
        return wrong(f"{name} should be a list of {what} such as [2, 0, 6], got {type(answer).__name__}.")
    items = list(np.asarray(answer, dtype=object).ravel()) if isinstance(answer, np.ndarray) else list(answer)
    if items and all(isinstance(i, str) for i in items):
        return wrong(f"{name} should hold {what} (numbers), not names.",
                     "toy.VOCAB.index('<bos>') is 2." if what == "token ids" else None)
    ids = []
    for i in items:
        if not is_whole_number(i):
            return wrong(f"{name} should hold whole-number {what}, got {i!r}.")
        ids.append(int(i))
    return ids


def _as_pairs(answer, name: str) -> set[tuple[int, int]] | CheckResult:
    """`answer` as a set of (row, column) pairs of whole numbers, or a CheckResult."""
    example = "for example {(1, 0), (2, 1)}"  # pairs of the form, not of the answer
    if isinstance(answer, (str, bytes, dict)) or not isinstance(answer, (set, frozenset, list, tuple, np.ndarray)):
        return wrong(f"{name} should be a set of (query, key) pairs, got {type(answer).__name__}.", example + ".")
    pairs = set()
    for item in (answer.tolist() if isinstance(answer, np.ndarray) else answer):
        if not isinstance(item, (tuple, list)) or len(item) != 2 or not all(
            isinstance(i, (int, np.integer)) and not isinstance(i, bool) for i in item
        ):
            return wrong(f"{name} should hold (query, key) pairs of whole numbers, got {item!r}.", example + ".")
        pairs.add((int(item[0]), int(item[1])))
    return pairs


def zero_weight_pairs() -> set[tuple[int, int]]:
    """The (query, key) pairs masked by the causal mask plus the padding of `PADDED_INPUT`."""
    tokens = np.array([PADDED_INPUT])
    mask = attention_mask(key_padding=tokens == PAD_ID, causal_length=tokens.shape[1])[0, 0]
    return {(int(r), int(c)) for r, c in np.argwhere(mask)}


def check_zero_weights(answer) -> CheckResult:
    """Exercise 3: which of the 4 x 4 weights are exactly 0 for <bos> naneun <pad> <pad> under
    the causal mask combined with the padding mask."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "a weight is zero where the causal mask hides a future key, and wherever the key is <pad>."
    pairs = _as_pairs(answer, "the answer")
    if isinstance(pairs, CheckResult):
        return pairs
    expected = zero_weight_pairs()
    n = len(PADDED_INPUT)
    causal = {(r, c) for r in range(n) for c in range(n) if c > r}
    pads = [i for i, token in enumerate(PADDED_INPUT) if token == PAD_ID]
    pad_columns = {(r, c) for r in range(n) for c in pads}
    pad_rows = {(r, c) for r in pads for c in range(n)}
    diagonal = {(r, r) for r in range(n)}
    if pairs == expected:
        extra = ", ".join(str(p) for p in sorted(expected - causal))
        return correct(f"{len(expected)} zeros: the {len(causal)} future keys above the diagonal, and the <pad> keys "
                       f"the padded queries could otherwise see: {extra}.")
    if any(not (0 <= r < n and 0 <= c < n) for r, c in pairs):
        return wrong(f"the weights are {n} x {n}: rows and columns are numbered 0 to {n - 1}.", hint)
    if pairs == causal:
        return wrong("those are the causal zeros; the padding mask also hides the <pad> keys from every query.", hint)
    if pairs == pad_columns:
        return wrong("those are the padding zeros; the causal mask also hides the real tokens' future, e.g. (0, 1).",
                     hint)
    if pairs == causal | pad_rows:
        return wrong("the padding mask hides the <pad> *keys* (columns), not the <pad> queries' rows.", hint)
    if pairs == {(c, r) for r, c in expected}:
        return wrong("the pairs are (query, key) = (row, column): query 0 cannot see keys 1, 2, 3.", hint)
    if pairs in (causal | diagonal, expected | diagonal):
        return wrong("the diagonal is not masked by the causal mask: each token may look at its own position.", hint)
    missing, extra = sorted(expected - pairs), sorted(pairs - expected)
    detail = f"missing {missing[0]}" if missing else f"{extra[0]} is not zero"
    return wrong(f"{len(pairs)} pairs, expected {len(expected)} ({detail}).", hint)


def check_moved_positions(answer) -> CheckResult:
    """Exercise 4: with the causal mask and 5 input tokens, which output positions can move
    when the token at position 1 changes."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "output t reads the inputs at positions 0 .. t, including its own."
    if isinstance(answer, range):
        answer = list(answer)
    ids = _as_ids(list(answer) if isinstance(answer, (set, frozenset)) else answer, "the answer", "positions")
    if isinstance(ids, CheckResult):
        return ids
    chosen = sorted(set(ids))
    expected = list(range(MOVE_POSITION, MOVE_LENGTH))
    if chosen == expected:
        return correct(f"positions {expected}: position {MOVE_POSITION} itself and every later one; position 0 "
                       "stays exactly as it was.")
    mistakes = {
        tuple(range(MOVE_POSITION + 1, MOVE_LENGTH)): f"position {MOVE_POSITION}'s own output reads its own input "
                                                      "token, so it moves too.",
        tuple(range(MOVE_POSITION + 1)): "reversed: the outputs *after* the change read it; the earlier ones cannot.",
        (0,): "reversed: the outputs *after* the change read it; the earlier ones cannot.",
        tuple(range(MOVE_LENGTH)): "that is what happens without the mask; with it, position 0 cannot see "
                                   f"position {MOVE_POSITION}.",
        (MOVE_POSITION,): "the later positions attend to position 1 too, so their outputs move as well.",
    }
    if tuple(chosen) in mistakes:
        return wrong(f"not {chosen}: {mistakes[tuple(chosen)]}", hint)
    return wrong(f"not {chosen}.", hint)


# Exercises 5 and 6: the causal mask and the shift to the right, written by the reader.

@lru_cache(maxsize=1)
def causal_mask_exercise() -> Exercise:
    """Exercise 5: `causal_mask(length) -> mask`, (length, length) booleans, True = hidden."""
    from ..reference import torch_functions

    cases = tuple(Case({"length": n}, label) for n, label in (
        (3, "length 3, the running example's decoder input"), (5, "length 5"), (1, "length 1")))
    return Exercise(
        function_name="causal_mask", outputs=("mask",), cases=cases,
        references=(Reference("the package's causal_mask", causal_mask),
                    Reference("torch.nn.Transformer.generate_square_subsequent_mask", torch_functions.causal_mask)),
        mistakes=(
            Mistake(lambda n: np.triu(np.ones((n, n), dtype=bool)),
                    "the diagonal is hidden too (np.triu with k=0): query t may look at its own position, so True "
                    "starts one place right of the diagonal, k=1."),
            Mistake(lambda n: np.tril(np.ones((n, n), dtype=bool), k=-1),
                    "the mask is transposed: it hides the past (below the diagonal); row t is query t, and it "
                    "must not see the keys after t, to the right."),
            Mistake(lambda n: np.tril(np.ones((n, n), dtype=bool)),
                    "True marks the keys a query may see; in the package (as in PyTorch's boolean masks) True "
                    "means hidden."),
            Mistake(lambda n: np.where(np.triu(np.ones((n, n), dtype=bool), k=1), -np.inf, 0.0),
                    "that is the additive form (-inf where hidden, added to the scores); the boolean mask holds "
                    "True where a key is hidden."),
        ),
        hint="row t is query t, column s key s; key s is hidden when s > t: np.triu(np.ones((length, length), "
             "dtype=bool), k=1).",
        success="True right of the diagonal: no query sees a later key, and every query sees itself.",
    )


def check_causal_mask_function(function) -> CheckResult:
    """Exercise 5: the reader's `causal_mask(length)`."""
    return check_implementation(function, causal_mask_exercise())


def _package_shift_right(target, bos_id):
    """The package's batch maker's decoder input: make_batch puts <bos> in front of each target
    it is given; given the labels without their last token, it gives the labels shifted right."""
    batch = make_batch([[0]] * len(target), [list(row[:-1]) for row in target], pad_id=PAD_ID, bos_id=bos_id,
                       eos_id=EOS_ID)
    return batch.tgt_in


def _bos_column(target, bos_id):
    """(B, 1) of `bos_id`, to put in front of target (B, T)."""
    return np.full((target.shape[0], 1), bos_id, dtype=target.dtype)


def _shift_case(label: str, rows) -> Case:
    return Case({"target": np.array(rows, dtype=np.int64), "bos_id": BOS_ID}, label)


@lru_cache(maxsize=1)
def shift_right_exercise() -> Exercise:
    """Exercise 6: `shift_right(target, bos_id) -> decoder_input`, target (B, T) ids ending with
    <eos>, decoder_input (B, T)."""
    rng = np.random.default_rng(80)
    words = rng.integers(5, 11, size=(3, 5))  # ids of words, none of them special
    cases = (
        _shift_case("the running example, naneun goyangireul joahae <eos>", [[0, 6, 3, EOS_ID]]),
        _shift_case("2 targets of 3 words and <eos>", [[0, 10, 3, EOS_ID], [0, 6, 3, EOS_ID]]),
        _shift_case("3 targets of 5 words and <eos>", np.hstack([words, np.full((3, 1), EOS_ID)])),
    )
    return Exercise(
        function_name="shift_right", outputs=("decoder_input",), cases=cases,
        references=(Reference("the package's make_batch (its tgt_in)", _package_shift_right),),
        mistakes=(
            Mistake(lambda target, bos_id: target.copy(),
                    "that is the target itself: position t would read the very token it must predict."),
            Mistake(lambda target, bos_id: np.hstack([_bos_column(target, bos_id), target[:, 1:]]),
                    "the first token is dropped; drop the last one (<eos> is only ever predicted, never read), so "
                    "that everything moves one place to the right."),
            Mistake(lambda target, bos_id: np.hstack([target[:, 1:], _bos_column(target, bos_id)]),
                    "that shifts left, with <bos> at the end; <bos> goes in front and every token moves one place "
                    "right."),
            Mistake(lambda target, bos_id: target[:, :-1].copy(),
                    "<bos> is missing in front: position 0 reads <bos> and predicts the first word."),
            Mistake(lambda target, bos_id: np.hstack([_bos_column(target, bos_id), target]),
                    "the decoder input keeps the target's length: drop the target's last token (<eos>) after "
                    "putting <bos> in front."),
        ),
        hint="<bos> in front of each row, the row's last token dropped: np.concatenate([np.full((B, 1), bos_id), "
             "target[:, :-1]], axis=1).",
        success="position t reads target token t - 1 (or <bos>) and predicts target token t.",
    )


def check_shift_right_function(function) -> CheckResult:
    """Exercise 6: the reader's `shift_right(target, bos_id)`."""
    return check_implementation(function, shift_right_exercise())
