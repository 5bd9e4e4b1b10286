"""Sequence reversal: a small task that needs attention. The model reads 3 to 10 content tokens
and must write them back in reverse order, then <eos>.

The scale is that of The Annotated Transformer's copy task (vocabulary 11, up to 10 tokens,
batches of 80, 2 encoder and 2 decoder layers), at a width a CPU trains in seconds (d_model 32,
4 heads, d_ff 128). Reversal is harder than copying: output position t must find source
position n - 1 - t, which depends on the length n of each sequence, so the cross-attention map
of a trained model is an anti-diagonal. The special tokens <pad>, <bos>, <eos> never appear as
content. The validation and test sequences are drawn first and never appear in a training batch."""

from __future__ import annotations

import numpy as np

from ..model.transformer import TransformerConfig
from ..training.loop import Batch
from . import toy

VOCAB: tuple[str, ...] = ("<pad>", "<bos>", "<eos>", "a", "b", "c", "d", "e", "f", "g", "h")
PAD_ID, BOS_ID, EOS_ID = 0, 1, 2
FIRST_CONTENT_ID = 3  # content tokens are the ids 3 .. 10
MIN_LENGTH, MAX_LENGTH = 3, 10

# The training recipe of chapter 12: Adam with β2 = 0.999 for 800 steps on batches of 80, the
# paper's warm-up schedule over 200 steps with factor 0.5, the paper's label smoothing 0.1; 500
# validation sequences (for choosing the recipe: tools/reversal_recipe_comparison.py) and 500 test
# sequences (for the result). The chapter's claims about the trained model, with margin on any
# processor: at least 98% of the test sequences reversed exactly, and in the last decoder layer a
# head that puts a mean weight of at least 0.5 on the mirrored source position.
# tools/reversal_seed_sweep.py checks them for many seeds.
TRAINING_STEPS, WARMUP_STEPS, LR_FACTOR = 800, 200, 0.5
ADAM_BETAS, ADAM_EPS, LABEL_SMOOTHING = (0.9, 0.999), 1e-9, 0.1
BATCH_SIZE, VALIDATION_SIZE, TEST_SIZE = 80, 500, 500
EXACT_MATCH_BAR, MIRROR_WEIGHT_BAR = 0.98, 0.5


def reversal_config(dtype: str = "float32", norm_first: bool = True, dropout: float = 0.0) -> TransformerConfig:
    """Vocabulary 11, 2 encoder and 2 decoder layers, d_model 32, 4 heads, d_ff 128; padding
    masks built from <pad>; sources up to MAX_LENGTH + 1 tokens (content and <eos>). Layer
    normalisation goes before each sublayer (pre-norm, with a final norm after each stack), which
    chapter 12's comparison on the validation set prefers to the paper's post-norm; no dropout,
    which costs validation accuracy in the same comparison: every batch is new data, so there is
    no overfitting for it to prevent."""
    return TransformerConfig(src_vocab_size=len(VOCAB), tgt_vocab_size=len(VOCAB), d_model=32, num_heads=4,
                             d_ff=128, num_encoder_layers=2, num_decoder_layers=2, max_len=MAX_LENGTH + 1,
                             norm_first=norm_first, pad_id=PAD_ID, dtype=dtype, dropout=dropout)


def token_names(ids) -> list[str]:
    """Readable names of token ids in this task's vocabulary (for labelling matrix rows and columns)."""
    return toy.token_names(ids, VOCAB)


def random_contents(rng: np.random.Generator, n: int, min_length: int = MIN_LENGTH,
                    max_length: int = MAX_LENGTH) -> np.ndarray:
    """`n` random content sequences, lengths uniform in [min_length, max_length], as an
    (n, max_length) int64 array padded on the right with <pad>."""
    lengths = rng.integers(min_length, max_length + 1, size=n)
    tokens = rng.integers(FIRST_CONTENT_ID, len(VOCAB), size=(n, max_length))
    return np.where(np.arange(max_length) < lengths[:, None], tokens, PAD_ID)


def lengths_of(contents: np.ndarray) -> np.ndarray:
    """Number of content tokens per row of an (n, L) padded array -> (n,)."""
    return (np.asarray(contents) != PAD_ID).sum(axis=1)


def reverse_contents(contents: np.ndarray) -> np.ndarray:
    """Reverse the content part of each row of an (n, L) padded array; padding stays on the right."""
    contents = np.asarray(contents)
    lengths = lengths_of(contents)
    index = lengths[:, None] - 1 - np.arange(contents.shape[1])  # (n, L) source position of each output
    gathered = np.take_along_axis(contents, np.clip(index, 0, None), axis=1)
    return np.where(index >= 0, gathered, PAD_ID)


def mirrored_positions(length: int) -> np.ndarray:
    """For a sequence of `length` content tokens, the source position each of the first
    `length` decoder positions must output: (length,) ids, position t -> length - 1 - t (the
    anti-diagonal). The last decoder position predicts <eos> and has no such position."""
    return np.arange(length - 1, -1, -1)


def mirror_weight(weights: np.ndarray, length: int) -> np.ndarray:
    """Each head's mean cross-attention weight on the mirrored source position, over the
    `length` decoder positions that output content: weights (h, Tq, Tk) -> (h,); 1 for a
    perfect anti-diagonal."""
    return weights[:, np.arange(length), mirrored_positions(length)].mean(axis=-1)


def reversal_batch(contents: np.ndarray) -> Batch:
    """(B, L) padded content -> a `Batch`, every array (B, L + 1) padded with <pad>: src = the
    content + <eos> (so the model sees where the source ends); tgt_in = <bos> + reversed
    content; tgt_out = reversed content + <eos>."""
    contents = np.asarray(contents, dtype=np.int64)
    b, length = contents.shape
    reversed_ = reverse_contents(contents)
    tgt_in = np.concatenate([np.full((b, 1), BOS_ID), reversed_], axis=1)
    rows, lengths = np.arange(b), lengths_of(contents)
    src = np.concatenate([contents, np.full((b, 1), PAD_ID)], axis=1)
    src[rows, lengths] = EOS_ID
    tgt_out = np.concatenate([reversed_, np.full((b, 1), PAD_ID)], axis=1)
    tgt_out[rows, lengths] = EOS_ID
    return Batch(src, tgt_in, tgt_out)


def example(content) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One unpadded example from content ids (n,): (src, tgt_in, tgt_out), each (n + 1,):
    content + <eos>, <bos> + reversed content, reversed content + <eos>."""
    content = np.asarray(content, dtype=np.int64)
    content = content[content != PAD_ID]
    n = len(content)
    batch = reversal_batch(content[None])
    return batch.src[0, : n + 1], batch.tgt_in[0, : n + 1], batch.tgt_out[0, : n + 1]


def _keys(contents: np.ndarray) -> list[bytes]:
    return [row.tobytes() for row in np.asarray(contents, dtype=np.int8)]


class ReversalTask:
    """Training batches and two disjoint held-out sets, all drawn from one seed.

    Three sets that share no sequence: the **training** batches; the **validation** set (검증용),
    on which the recipe's choices are compared (pre-norm or post-norm, Adam's beta2, how many
    steps); and the **test** set, measured once, for the chapter's headline result. The
    `validation_size` + `test_size` distinct held-out sequences are drawn first; `next_batch`
    draws `batch_size` training sequences and redraws any that is held out, so no held-out
    sequence is ever trained on. Batches have a fixed shape: src and tgt (B, max_length + 1).

    ``held_out`` is the validation set, the sequences never trained on that chapter 13 studies."""

    def __init__(self, seed: int = 0, batch_size: int = 80, validation_size: int = 500, test_size: int = 500,
                 min_length: int = MIN_LENGTH, max_length: int = MAX_LENGTH):
        for name, size in (("validation_size", validation_size), ("test_size", test_size)):
            if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
                raise ValueError(f"{name} must be a positive integer, got {size!r}")
        self.rng = np.random.default_rng(seed)
        self.batch_size, self.min_length, self.max_length = batch_size, min_length, max_length
        total = validation_size + test_size
        kept: dict[bytes, np.ndarray] = {}
        while len(kept) < total:
            for key, row in zip(_keys(c := self._draw(total)), c, strict=True):
                if len(kept) < total:
                    kept.setdefault(key, row)
        rows = np.stack(list(kept.values()))
        self.validation = rows[:validation_size]  # (validation_size, max_length)
        self.test = rows[validation_size:]  # (test_size, max_length)
        self._held_out_keys = frozenset(kept)
        self.sequences_drawn = 0

    @property
    def held_out(self) -> np.ndarray:
        """The validation set (validation_size, max_length): never trained on."""
        return self.validation

    def _draw(self, n: int) -> np.ndarray:
        return random_contents(self.rng, n, self.min_length, self.max_length)

    def is_held_out(self, contents: np.ndarray) -> np.ndarray:
        """(n, max_length) padded content -> (n,) bool, True for rows in the validation or test set."""
        return np.array([key in self._held_out_keys for key in _keys(contents)], dtype=bool)

    def next_contents(self) -> np.ndarray:
        """(batch_size, max_length) fresh training content, none of it held out."""
        contents = self._draw(self.batch_size)
        while (held := self.is_held_out(contents)).any():
            contents[held] = self._draw(int(held.sum()))
        self.sequences_drawn += self.batch_size
        return contents

    def next_batch(self) -> Batch:
        """A training `Batch` of `batch_size` sequences."""
        return reversal_batch(self.next_contents())

    def validation_batch(self) -> Batch:
        """The validation set as one `Batch`."""
        return reversal_batch(self.validation)

    def test_batch(self) -> Batch:
        """The test set as one `Batch`."""
        return reversal_batch(self.test)

    def held_out_batch(self) -> Batch:
        """The validation set as one `Batch` (``held_out``)."""
        return self.validation_batch()
