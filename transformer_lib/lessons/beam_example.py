"""A next-token model small enough to check by hand: a table of probabilities over the running
example's vocabulary, for beam search's tree.

The table is made up (no network computed it), so every number in the search can be multiplied
out on paper. It is built so that greedy decoding, beam search and the length penalty give three
different answers for the source *I love cats*:

- greedy takes *goyangireul* (0.5) first and ends with *goyangireul joahae <eos>*,
  P = 0.5 x 0.45 x 0.6 = 0.135;
- a beam of 2 finds the more probable *naneun <eos>*, P = 0.4 x 0.5 = 0.2: a truncated output,
  because every extra token multiplies the probability by a number below 1;
- with the length penalty (alpha = 1) the beam returns *naneun goyangireul joahae <eos>*,
  P = 0.4 x 0.45 x 0.9 x 1.0 = 0.162, the full translation.
"""

from __future__ import annotations

import numpy as np

from ..training.beam import BeamSearchResult, NextLogProbs, run_beam_search
from .toy import BOS_ID, EOS_ID, VOCAB

_ID = {name: i for i, name in enumerate(VOCAB)}

# Prefix (names, without <bos>) -> next-token probabilities; prefixes not listed end at once
# (<eos> with probability 1).
HAND_TABLE: dict[tuple[str, ...], dict[str, float]] = {
    (): {"goyangireul": 0.5, "naneun": 0.4, "gaereul": 0.1},
    ("goyangireul",): {"joahae": 0.45, "naneun": 0.3, "<eos>": 0.25},
    ("goyangireul", "joahae"): {"<eos>": 0.6, "naneun": 0.4},
    ("naneun",): {"<eos>": 0.5, "goyangireul": 0.45, "gaereul": 0.05},
    ("naneun", "goyangireul"): {"joahae": 0.9, "<eos>": 0.1},
}
HAND_MAX_LEN = 4


class TableModel:
    """A next-token model given as a table: prefix (ids, without the start token) -> {id: P}.
    A prefix the table does not list is followed by `eos_id` with probability 1."""

    def __init__(self, table: dict[tuple[int, ...], dict[int, float]], vocab_size: int, eos_id: int):
        for prefix, row in table.items():
            total = sum(row.values())
            if not np.isclose(total, 1.0, rtol=0, atol=1e-12) or min(row.values()) < 0:
                raise ValueError(f"the probabilities after prefix {prefix} must be >= 0 and sum to 1, got {row}")
        self.table, self.vocab_size, self.eos_id = table, vocab_size, eos_id

    def probabilities(self, prefix) -> np.ndarray:
        """P(next token | prefix) as a (V,) array."""
        probs = np.zeros(self.vocab_size)
        for token, p in self.table.get(tuple(int(t) for t in prefix), {self.eos_id: 1.0}).items():
            probs[token] = p
        return probs

    def sequence_probability(self, tokens) -> float:
        """P(tokens), the product of the next-token probabilities along them."""
        tokens = [int(t) for t in tokens]
        return float(np.prod([self.probabilities(tokens[:i])[t] for i, t in enumerate(tokens)]))

    def scorer(self) -> NextLogProbs:
        """`next_log_probs` for `run_beam_search`: it keeps each row's prefix itself."""
        prefixes: list[tuple[int, ...]] = []

        def next_log_probs(rows: np.ndarray, tokens: np.ndarray) -> np.ndarray:
            nonlocal prefixes
            first_call = not prefixes
            prefixes = [(() if first_call else (*prefixes[r], int(t))) for r, t in zip(rows, tokens, strict=True)]
            with np.errstate(divide="ignore"):  # log 0 = -inf: a token the table never follows with
                return np.log(np.stack([self.probabilities(p) for p in prefixes]))

        return next_log_probs


def hand_model() -> TableModel:
    """`HAND_TABLE` as a `TableModel` over the running example's 11 token ids."""
    table = {tuple(_ID[n] for n in prefix): {_ID[n]: p for n, p in row.items()} for prefix, row in HAND_TABLE.items()}
    return TableModel(table, len(VOCAB), EOS_ID)


def hand_beam_search(beam_width: int, alpha: float = 0.0, max_len: int = HAND_MAX_LEN) -> BeamSearchResult:
    """Beam search on the hand-made table (one sentence)."""
    return run_beam_search(hand_model().scorer(), 1, BOS_ID, max_len, beam_width, alpha, EOS_ID)
