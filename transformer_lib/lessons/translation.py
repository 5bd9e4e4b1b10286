"""The running example's language: a tiny English -> Korean corpus that contains the lecture's
sentence, and the recipe that trains the running example's model on it.

Within the lecture's 11 tokens there are only a handful of sentences, and ``joahae`` ends every
target, so a trained model would never need to look across the source. This language keeps
those 11 tokens with their ids and names and adds a few words: 6 subjects, 6 verbs and 6
objects, every English sentence subject-verb-object and every Korean one subject-object-verb,
each Korean word carrying its particle (``goyangiga`` is cats as a subject, ``goyangireul`` cats
as an object). So each Korean word depends on one English word, at another position: the word
written second (the object) is the English third, the word written last (the verb) is the
English second.

All 6 x 6 x 6 = 216 sentences exist; 36 of them are held out of training, one object for every
subject-verb pair (those whose word indices add up to 5 modulo 6), so every pair of words that
a held-out sentence combines was seen in training, but never the sentence whole. The lecture's
``I love cats`` -> ``naneun goyangireul joahae`` (ids 5 8 9 -> 0 6 3) is a training sentence.

The model is the lecture's own: d_model 6, 2 heads, d_ff 24, one encoder and one decoder layer
(post-norm), with the vocabulary widened to this language's 36 tokens and padding masks built
from <pad>."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

import numpy as np

from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from ..training.decoding import greedy_decode
from ..training.loop import Batch, TrainingLog, exact_match, make_batch, train
from ..training.optim import Adam
from . import toy

# (English, Korean) for each role; the index in each tuple is the word's index in its role.
SUBJECTS: tuple[tuple[str, str], ...] = (
    ("I", "naneun"),         # 나는
    ("you", "neoneun"),      # 너는
    ("we", "urineun"),       # 우리는
    ("cats", "goyangiga"),   # 고양이가
    ("dogs", "gaega"),       # 개가
    ("birds", "saega"),      # 새가
)
VERBS: tuple[tuple[str, str], ...] = (
    ("love", "joahae"),      # 좋아해
    ("see", "bwa"),          # 봐
    ("hate", "sireohae"),    # 싫어해
    ("want", "wonhae"),      # 원해
    ("find", "chaja"),       # 찾아
    ("draw", "geuryeo"),     # 그려
)
OBJECTS: tuple[tuple[str, str], ...] = (
    ("cats", "goyangireul"),   # 고양이를
    ("dogs", "gaereul"),       # 개를
    ("birds", "saereul"),      # 새를
    ("fish", "mulgogireul"),   # 물고기를
    ("bread", "ppangeul"),     # 빵을
    ("milk", "uyureul"),       # 우유를
)

# The lecture's 11 tokens keep ids 0-10; the new English words follow, then the new Korean ones.
VOCAB: tuple[str, ...] = toy.VOCAB + (
    "you", "we", "birds", "fish", "bread", "milk", "see", "hate", "want", "find", "draw",  # 11-21
    "neoneun", "urineun", "goyangiga", "gaega", "saega", "saereul", "mulgogireul",  # 22-28
    "ppangeul", "uyureul", "bwa", "sireohae", "wonhae", "chaja", "geuryeo",  # 29-35
)
PAD_ID, BOS_ID, EOS_ID = toy.PAD_ID, toy.BOS_ID, toy.EOS_ID
TOKEN_ID: dict[str, int] = {word: i for i, word in enumerate(VOCAB)}
ENGLISH_WORDS: tuple[str, ...] = tuple(dict.fromkeys(en for role in (SUBJECTS, VERBS, OBJECTS) for en, _ in role))

# Decoder row t writes Korean word t (subject, object, verb): the English position it translates.
ALIGNED_SOURCE_POSITION: tuple[int, ...] = (0, 2, 1)

TRAINED_CONFIG = replace(toy.TOY_CONFIG, src_vocab_size=len(VOCAB), tgt_vocab_size=len(VOCAB), pad_id=PAD_ID)

# The recipe of the committed checkpoint: full-batch Adam at a constant rate.
TRAINING_SEED, TRAINING_STEPS, LEARNING_RATE = 0, 150, 0.02


def translate(english) -> tuple[str, str, str]:
    """An English sentence (subject, verb, object) as words -> its Korean (subject, object,
    verb), e.g. ("I", "love", "cats") -> ("naneun", "goyangireul", "joahae")."""
    words = tuple(english)
    if len(words) != 3:
        raise ValueError(f"english must be three words (subject, verb, object), got {words!r}")
    translated = []
    for word, role, table in zip(words, ("subject", "verb", "object"), (SUBJECTS, VERBS, OBJECTS), strict=True):
        lookup = dict(table)
        if word not in lookup:
            raise ValueError(f"{word!r} is not a {role} of this language; expected one of {sorted(lookup)}")
        translated.append(lookup[word])
    subject, verb, obj = translated
    return subject, obj, verb


def is_held_out(subject: int, verb: int, obj: int) -> bool:
    """Whether the sentence of these word indices (into SUBJECTS, VERBS, OBJECTS) is held out
    of training: one object for every subject-verb pair, and likewise one subject for every
    verb-object pair and one verb for every subject-object pair."""
    return (subject + verb + obj) % len(OBJECTS) == len(OBJECTS) - 1


@dataclass(frozen=True)
class Pairs:
    """Parallel sentences as ids: src (N, 3) English subject-verb-object, tgt (N, 3) Korean
    subject-object-verb, row by row translations of each other."""

    src: np.ndarray
    tgt: np.ndarray

    def __len__(self) -> int:
        return len(self.src)

    def batch(self) -> Batch:
        """All pairs as one teacher-forcing `Batch`: decoder input <bos> + tgt, labels tgt + <eos>."""
        return make_batch(self.src.tolist(), self.tgt.tolist(), PAD_ID, BOS_ID, EOS_ID)


def _pairs(held_out: bool) -> Pairs:
    src, tgt = [], []
    for (s, (s_en, s_ko)), (v, (v_en, v_ko)), (o, (o_en, o_ko)) in itertools.product(
            enumerate(SUBJECTS), enumerate(VERBS), enumerate(OBJECTS)):
        if is_held_out(s, v, o) == held_out:
            src.append([TOKEN_ID[w] for w in (s_en, v_en, o_en)])
            tgt.append([TOKEN_ID[w] for w in (s_ko, o_ko, v_ko)])
    return Pairs(np.array(src, dtype=np.int64), np.array(tgt, dtype=np.int64))


def training_pairs() -> Pairs:
    """The 180 training sentences (the lecture's 5 8 9 -> 0 6 3 among them)."""
    return _pairs(held_out=False)


def held_out_pairs() -> Pairs:
    """The 36 sentences never trained on."""
    return _pairs(held_out=True)


def train_running_example(seed: int = TRAINING_SEED, steps: int = TRAINING_STEPS,
                          lr: float = LEARNING_RATE) -> tuple[Transformer, TrainingLog]:
    """Train the running example's model (TRAINED_CONFIG, weights drawn from `seed`) on every
    training pair at once for `steps` steps of Adam (betas 0.9, 0.98 as in the paper) at the
    constant rate `lr`, with the package's own loop. Returns the model and the loss log. The
    defaults are the recipe of the committed checkpoint (a few seconds on one core)."""
    model = Transformer(TRAINED_CONFIG, seed=seed)
    batch = training_pairs().batch()
    optimizer = Adam(model, lr=lr, betas=(0.9, 0.98), eps=1e-9)
    log = train(model, optimizer, CrossEntropyLoss(), lambda: batch, steps)
    return model, log


def greedy_translations(model: Transformer, src) -> np.ndarray:
    """Greedy decoding of English sources (N, 3) -> (N, 4) ids: three Korean words and <eos>."""
    return greedy_decode(model, src, BOS_ID, max_len=4, eos_id=EOS_ID)


def exact_match_rate(model: Transformer, pairs: Pairs) -> float:
    """Fraction of `pairs` whose greedy translation is exactly the target followed by <eos>."""
    return float(exact_match(greedy_translations(model, pairs.src), pairs.batch().tgt_out, PAD_ID).mean())


def cross_attention(model: Transformer, src, tgt) -> np.ndarray:
    """The decoder's cross-attention weights when it reads <bos> + the first two words of each
    target: src (N, 3), tgt (N, 3) -> (N, heads, 3 rows, 3 source words); row t predicts
    target word t."""
    src, tgt = np.atleast_2d(src), np.atleast_2d(tgt)
    decoder_input = np.concatenate([np.full((len(tgt), 1), BOS_ID), tgt[:, :-1]], axis=1)
    model.forward(src, decoder_input)
    return model.trace()["decoder.layers.0.cross_attn.weights"]


def aligned_weight(weights: np.ndarray) -> np.ndarray:
    """Each head's weight, per decoder row, on the English word that row's Korean word
    translates: cross-attention weights (..., heads, 3, 3) -> (..., heads, 3)."""
    rows = np.arange(len(ALIGNED_SOURCE_POSITION))
    return weights[..., rows, list(ALIGNED_SOURCE_POSITION)]


@dataclass(frozen=True)
class Behaviour:
    """What a trained model does, measured.

    training, held_out: fractions of those pairs translated exactly by greedy decoding.
    lecture_alignment (heads, 3): on I love cats, each head's weight, in the rows that predict
    naneun, goyangireul, joahae, on the English word each translates (I, cats, love).
    corpus_alignment (3,): the same weight averaged over the heads and all 216 sentences."""

    training: float
    held_out: float
    lecture_alignment: np.ndarray
    corpus_alignment: np.ndarray

    @property
    def lecture_row_alignment(self) -> np.ndarray:
        """(3,) the lecture sentence's aligned weight per row, averaged over the heads."""
        return self.lecture_alignment.mean(axis=0)


def measure(model: Transformer) -> Behaviour:
    """Translate every pair greedily and read the cross-attention of `model` (see `Behaviour`)."""
    train_pairs, held = training_pairs(), held_out_pairs()
    every_src = np.concatenate([train_pairs.src, held.src])
    every_tgt = np.concatenate([train_pairs.tgt, held.tgt])
    lecture = aligned_weight(cross_attention(model, toy.SOURCE_IDS, toy.TARGET_IDS))[0]
    corpus = aligned_weight(cross_attention(model, every_src, every_tgt)).mean(axis=(0, 1))
    return Behaviour(exact_match_rate(model, train_pairs), exact_match_rate(model, held), lecture, corpus)


ATTENTION_BLOCKS: dict[str, str] = {
    "encoder self-attention": "encoder.layers.0.self_attn",
    "decoder self-attention": "decoder.layers.0.self_attn",
    "cross-attention": "decoder.layers.0.cross_attn",
}


def with_attention_off(model: Transformer, block: str) -> Transformer:
    """A copy of `model` whose attention `block` (a key of ATTENTION_BLOCKS) adds nothing: its
    W_O and bias are 0, so the sub-layer's output is 0 and only the residual path goes on.
    Translating with it shows whether the model needs that block."""
    if block not in ATTENTION_BLOCKS:
        raise ValueError(f"block must be one of {sorted(ATTENTION_BLOCKS)}, got {block!r}")
    state = model.state_dict()
    for name in ("w_o.weight", "w_o.bias"):
        state[f"{ATTENTION_BLOCKS[block]}.{name}"] = np.zeros_like(state[f"{ATTENTION_BLOCKS[block]}.{name}"])
    copy = Transformer(model.config)
    copy.load_state_dict(state)
    return copy
