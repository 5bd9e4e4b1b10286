"""Checkers for ``00_overview.ipynb``: sequential steps and the longest path of a recurrent layer
and a self-attention layer, the shape of one head's score matrix, and the shape of the running
example's output probabilities."""

from __future__ import annotations

import numpy as np

from .feedback import NOT_ATTEMPTED, CheckResult, correct, is_whole_number, not_attempted, wrong

# Exercises 1 and 2: a sentence of this many words.
SENTENCE_LENGTH = 20
# Exercise 3: a sentence of this many tokens, in the running example's model (d_model 6, 2 heads).
SCORE_TOKENS = 7


def _pair(answer, name: str, example: str) -> tuple[int, int] | CheckResult:
    """`answer` as a pair of whole numbers, or a CheckResult saying why it is not one."""
    if isinstance(answer, np.ndarray) and answer.ndim == 1:
        answer = answer.tolist()
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (tuple, list)):
        return wrong(f"{name} should be a pair of whole numbers such as {example}, got {type(answer).__name__}.")
    if len(answer) != 2:
        return wrong(f"{name} should hold exactly two numbers such as {example}, got {len(answer)}.")
    values = []
    for item in answer:
        if not is_whole_number(item):
            return wrong(f"{name} should hold whole numbers, got {item!r}.")
        values.append(int(item))
    return values[0], values[1]


def check_sequential_steps(answer) -> CheckResult:
    """Exercise 1: (RNN, self-attention) sequential steps of one layer for a 20-word sentence."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "an RNN must finish word t before word t + 1; self-attention multiplies whole matrices at once."
    pair = _pair(answer, "the answer", "(5, 2)")
    if isinstance(pair, CheckResult):
        return pair
    n = SENTENCE_LENGTH
    if pair == (n, 1):
        return correct(f"(RNN {n}, self-attention 1): the recurrent layer waits for each word in turn; self-attention "
                       "computes all positions in one go.")
    if pair == (1, n):
        return wrong("reversed: the pair is (RNN, self-attention).", hint)
    if pair[0] == n - 1:
        return wrong(f"the RNN reads every word, so it takes {n} steps ({n - 1} is the number of hops between word "
                     "1 and word n).", hint)
    if pair[1] == n or pair[1] == n * n:
        return wrong("self-attention needs more *operations* for more words, but not more steps one after the "
                     "other: all of them happen in the same matrix products.", hint)
    return wrong(f"not {pair}.", hint)


def check_path_length(answer) -> CheckResult:
    """Exercise 2: (RNN, self-attention) longest path between two words of a 20-word sentence
    inside one layer, counted in hops."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = ("in an RNN, word 1 reaches word n only through the hidden states in between, one hop per word; in "
            "self-attention every word looks at every word directly.")
    pair = _pair(answer, "the answer", "(5, 2)")
    if isinstance(pair, CheckResult):
        return pair
    n = SENTENCE_LENGTH
    if pair == (n - 1, 1):
        return correct(f"(RNN {n - 1}, self-attention 1): a direct line between any two words, however far apart.")
    if pair == (1, n - 1):
        return wrong("reversed: the pair is (RNN, self-attention).", hint)
    if pair == (n, 1):
        return wrong(f"from word 1 to word {n} there are {n - 1} hops (the steps *between* the words).", hint)
    if pair[1] == 0:
        return wrong("two different words still need one hop: the attention from one to the other.", hint)
    return wrong(f"not {pair}.", hint)


def check_score_shape(answer) -> CheckResult:
    """Exercise 3: the shape of one head's score matrix Q Kᵀ for a 7-token sentence."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "Q has one row per token, Kᵀ one column per token: one score for every (query word, key word) pair."
    pair = _pair(answer, "the shape", "(2, 5)")
    if isinstance(pair, CheckResult):
        return pair
    n = SCORE_TOKENS
    if pair == (n, n):
        return correct(f"({n}, {n}): {n * n} word pairs, every word against every word, in one product.")
    if pair in ((n, 3), (3, n)):
        return wrong("that is the shape of one head's Q (or Kᵀ), of width d_k = 3; their product pairs the words.",
                     hint)
    if pair in ((n, 6), (6, n)):
        return wrong("that is the shape of the sentence's input (tokens x d_model); the scores pair the words.", hint)
    if pair == (3, 3):
        return wrong(f"that is the running example's 3 words; this sentence has {n} tokens.", hint)
    return wrong(f"not {pair}.", hint)


def check_output_shape(answer) -> CheckResult:
    """Exercise 4: the shape of the running example's output probabilities (one sentence)."""
    if not_attempted(answer):
        return NOT_ATTEMPTED
    hint = "one row per decoder position, one probability per vocabulary token."
    if isinstance(answer, (tuple, list)) and len(answer) == 3 and answer[0] == 1:
        answer = answer[1:]
    pair = _pair(answer, "the shape", "(2, 5)")
    if isinstance(pair, CheckResult):
        return pair
    if pair == (3, 11):
        return correct("(3, 11) (or (1, 3, 11) with the batch axis): for each of the 3 positions a distribution over "
                       "the 11 tokens.")
    if pair == (11, 3):
        return wrong("transposed: rows are positions.", hint)
    if pair == (3, 6):
        return wrong("(3, 6) is the decoder's output before the final linear layer maps d_model = 6 to the 11 "
                     "tokens.", hint)
    if pair == (3, 3):
        return wrong("the output is not an attention map: each position gets a probability for every token.", hint)
    return wrong(f"not {pair}.", hint)
