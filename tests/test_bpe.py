"""Byte-pair encoding: the merges follow the pair counts, segmenting undoes nothing it should
not, and unseen words split into learnt pieces."""

import pytest

from transformer_lib.lessons.bpe import END, learn_merges, segment, vocabulary

CORPUS = ["I love cats", "I love dogs", "we love cats", "dogs want cats"]


def test_the_first_merge_is_the_most_frequent_pair():
    # 'love' x3, 'cats' x3, 'dogs' x2: l-o, o-v, v-e, c-a, a-t, t-s appear 3 times; the tie goes to ('a', 't')
    assert learn_merges(CORPUS, 1) == [("a", "t")]
    merges = learn_merges(CORPUS, 3)
    assert merges[:2] == [("a", "t"), ("at", "s" + END)]


def test_enough_merges_make_every_corpus_word_one_symbol():
    merges = learn_merges(CORPUS, 100)
    for word in {w for sentence in CORPUS for w in sentence.split()}:
        assert segment(word, merges) == [word + END]
    assert len(merges) < 100  # it stopped when nothing was left to merge


def test_segment_splits_a_new_word_into_learnt_pieces():
    merges = learn_merges(CORPUS, 12)
    pieces = segment("catdogs", merges)
    assert "".join(pieces) == "catdogs" + END
    assert len(pieces) < len("catdogs")  # merged pieces, not single characters
    assert set(pieces) <= set(vocabulary(CORPUS, merges))
    assert segment("x", merges) == ["x" + END]  # an unseen character stays on its own


def test_no_merges_leave_single_characters():
    assert segment("cats", []) == ["c", "a", "t", "s" + END]
    assert vocabulary(CORPUS, [])[:3] == ["I" + END, "a", "c"]


@pytest.mark.parametrize("corpus, num_merges, error", [
    ("I love cats", 2, TypeError), (["I love cats"], -1, ValueError), (["I love cats"], 1.5, ValueError)])
def test_bad_input_is_named(corpus, num_merges, error):
    with pytest.raises(error, match="corpus|num_merges"):
        learn_merges(corpus, num_merges)


def test_segment_needs_one_word():
    with pytest.raises(ValueError, match="word"):
        segment("two words", [])
