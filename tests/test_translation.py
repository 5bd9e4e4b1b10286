"""The running example's language (English -> Korean, containing the lecture's sentence) and the
trained model: the committed checkpoint, and a retraining from scratch that must behave alike."""

import fnmatch
import itertools
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from transformer_lib import toy
from transformer_lib.lessons import translation as tr

ROOT = Path(__file__).resolve().parent.parent


def words(ids) -> tuple[str, ...]:
    return tuple(toy.token_names(ids, tr.VOCAB))


def test_the_lecture_tokens_keep_their_ids_and_names():
    assert tr.VOCAB[:11] == toy.VOCAB
    assert len(tr.VOCAB) == len(set(tr.VOCAB)) == tr.TRAINED_CONFIG.src_vocab_size == 36
    assert (tr.PAD_ID, tr.BOS_ID, tr.EOS_ID) == (toy.PAD_ID, toy.BOS_ID, toy.EOS_ID)
    assert tr.TRAINED_CONFIG.d_model == toy.TOY_CONFIG.d_model == 6
    assert tr.TRAINED_CONFIG.num_heads == toy.TOY_CONFIG.num_heads == 2
    for role in (tr.SUBJECTS, tr.VERBS, tr.OBJECTS):  # every word of the language has an id
        assert all(en in tr.TOKEN_ID and ko in tr.TOKEN_ID for en, ko in role)


def test_translate_puts_the_verb_last_and_marks_subject_and_object():
    assert tr.translate(["I", "love", "cats"]) == ("naneun", "goyangireul", "joahae")
    assert tr.translate(["cats", "see", "dogs"]) == ("goyangiga", "gaereul", "bwa")  # cats as subject: -ga
    with pytest.raises(ValueError, match="'fish' is not a subject"):
        tr.translate(["fish", "love", "cats"])
    with pytest.raises(ValueError, match="three words"):
        tr.translate(["I", "love"])


def test_the_corpus_splits_all_216_sentences_and_trains_on_the_lecture_pair():
    train, held = tr.training_pairs(), tr.held_out_pairs()
    assert (len(train), len(held)) == (180, 36)
    train_sentences = {words(s) for s in train.src}
    held_sentences = {words(s) for s in held.src}
    assert not train_sentences & held_sentences
    every = {(s, v, o) for (s, _), (v, _), (o, _) in itertools.product(tr.SUBJECTS, tr.VERBS, tr.OBJECTS)}
    assert train_sentences | held_sentences == every
    for pairs in (train, held):
        for src, tgt in zip(pairs.src, pairs.tgt, strict=True):
            assert words(tgt) == tr.translate(words(src))
    assert any(np.array_equal(s, toy.SOURCE_IDS) and np.array_equal(t, toy.TARGET_IDS)
               for s, t in zip(train.src, train.tgt, strict=True))


def test_every_held_out_sentence_combines_word_pairs_seen_in_training():
    seen = {frozenset({(i, w), (j, v)}) for s in tr.training_pairs().src for (i, w), (j, v)
            in itertools.combinations(enumerate(words(s)), 2)}
    for s in tr.held_out_pairs().src:
        for (i, w), (j, v) in itertools.combinations(enumerate(words(s)), 2):
            assert frozenset({(i, w), (j, v)}) in seen, (words(s), w, v)


def test_the_checkpoint_is_package_data():
    with (ROOT / "pyproject.toml").open("rb") as f:
        patterns = tomllib.load(f)["tool"]["setuptools"]["package-data"]["transformer_lib.lessons"]
    assert any(fnmatch.fnmatch(toy.CHECKPOINT, p) for p in patterns)
    assert (resources.files("transformer_lib.lessons") / toy.CHECKPOINT).is_file()


def assert_translates_and_attends(behaviour: tr.Behaviour):
    """The behaviour the chapters describe: every training pair and at least 90% of the held-out
    pairs translated exactly; on I love cats, the rows that predict goyangireul and joahae put
    most of their cross-attention (mean of the heads) on cats and love."""
    assert behaviour.training == 1.0
    assert behaviour.held_out >= 0.9
    object_row, verb_row = behaviour.lecture_row_alignment[1:]
    assert object_row > 0.5 and verb_row > 0.5, behaviour.lecture_alignment
    assert np.all(behaviour.corpus_alignment > 0.5), behaviour.corpus_alignment


def test_the_trained_model_translates_and_reads_the_right_words():
    model = toy.trained_model()
    assert_translates_and_attends(tr.measure(model))
    lecture = tr.greedy_translations(model, toy.SOURCE_IDS[None])[0]
    assert words(lecture) == ("naneun", "goyangireul", "joahae", "<eos>")
    dogs = tr.greedy_translations(model, np.array([[5, 8, 7]]))[0]  # I love dogs
    assert words(dogs) == ("naneun", "gaereul", "joahae", "<eos>")


def test_the_trained_running_example_is_cached_and_read_only():
    model, trace = toy.running_example(weights="trained")
    assert toy.running_example(weights="trained")[0] is model
    assert trace["logits"].shape == (1, 3, len(tr.VOCAB)) and not trace["logits"].flags.writeable
    assert words(trace["logits"][0].argmax(-1)) == ("naneun", "goyangireul", "joahae")
    with pytest.raises(ValueError, match="weights must be one of"):
        toy.running_example(weights="pretrained")


def test_retraining_from_scratch_gives_the_same_behaviour():
    model, log = tr.train_running_example()
    assert len(log.losses) == tr.TRAINING_STEPS and log.losses[-1] < 0.05 * log.losses[0]
    assert_translates_and_attends(tr.measure(model))


def test_every_korean_word_is_drawn_in_hangul():
    from transformer_lib.figures.token_labels import HANGUL

    korean = {ko for role in (tr.SUBJECTS, tr.VERBS, tr.OBJECTS) for _, ko in role}
    assert korean <= set(HANGUL)


def test_switching_an_attention_block_off_shows_which_the_model_needs():
    model = toy.trained_model()
    off = tr.with_attention_off(model, "cross-attention")
    assert not np.any(off.decoder.layers[0].cross_attn.w_o.weight) and np.any(model.decoder.layers[0].cross_attn.w_o.weight)
    assert tr.exact_match_rate(off, tr.training_pairs()) < 0.1  # without reading the source it cannot translate
    encoder_off = tr.with_attention_off(model, "encoder self-attention")
    assert tr.exact_match_rate(encoder_off, tr.training_pairs()) == 1.0  # each English word translates on its own
    with pytest.raises(ValueError, match="block must be one of"):
        tr.with_attention_off(model, "feed-forward")
