"""Byte-pair encoding (BPE, 바이트 쌍 인코딩) in its smallest form: where token ids come from.

Start from single characters, with an end-of-word marker so that a piece at the end of a word
differs from the same letters inside one; then, `num_merges` times, join the pair of adjacent
symbols that occurs most often in the corpus into one new symbol. The merges, applied in the order
they were learnt, split any word (seen or not) into pieces of the vocabulary, and each piece gets
an id. The paper's English-German vocabulary of about 37,000 tokens was built this way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

END = "</w>"  # marks the last symbol of a word


def learn_merges(corpus: Sequence[str], num_merges: int) -> list[tuple[str, str]]:
    """The first `num_merges` merges on the words of `corpus` (sentences split on spaces), most
    frequent pair first; among equally frequent pairs, the first in alphabetical order. Stops
    early when every word is a single symbol."""
    if isinstance(corpus, str) or not all(isinstance(sentence, str) for sentence in corpus):
        raise TypeError(f"corpus must be a sequence of sentences (strings), got {type(corpus).__name__}")
    if not isinstance(num_merges, int) or isinstance(num_merges, bool) or num_merges < 0:
        raise ValueError(f"num_merges must be a non-negative integer, got {num_merges!r}")
    counts = Counter(word for sentence in corpus for word in sentence.split())
    words = {word: (*word[:-1], word[-1] + END) for word in counts}
    merges: list[tuple[str, str]] = []
    for _ in range(num_merges):
        pairs: Counter[tuple[str, str]] = Counter()
        for word, symbols in words.items():
            for pair in zip(symbols[:-1], symbols[1:], strict=True):
                pairs[pair] += counts[word]
        if not pairs:
            break
        best = min(pairs, key=lambda pair: (-pairs[pair], pair))
        merges.append(best)
        words = {word: _merge(symbols, best) for word, symbols in words.items()}
    return merges


def segment(word: str, merges: Sequence[tuple[str, str]]) -> list[str]:
    """`word` split into the pieces the `merges` make of it, applied in order."""
    if not isinstance(word, str) or not word or " " in word:
        raise ValueError(f"word must be one non-empty word without spaces, got {word!r}")
    symbols = (*word[:-1], word[-1] + END)
    for pair in merges:
        symbols = _merge(symbols, pair)
    return list(symbols)


def vocabulary(corpus: Sequence[str], merges: Sequence[tuple[str, str]]) -> list[str]:
    """The symbols a tokenizer with these merges knows: the corpus's characters (with and without
    the end marker, as they occur) and every merged symbol, in that order; a symbol's id is its
    index."""
    characters = sorted({symbol for sentence in corpus for word in sentence.split()
                         for symbol in (*word[:-1], word[-1] + END)})
    return characters + [left + right for left, right in merges]


def _merge(symbols: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    """`symbols` with every adjacent occurrence of `pair`, left to right, joined into one symbol."""
    out: list[str] = []
    i = 0
    while i < len(symbols):
        if i + 1 < len(symbols) and (symbols[i], symbols[i + 1]) == pair:
            out.append(symbols[i] + symbols[i + 1])
            i += 2
        else:
            out.append(symbols[i])
            i += 1
    return tuple(out)
