"""The source document's running example: an 11-token vocabulary, d_model = 6, 2 heads, the
source sentence 5 8 9 and the target 0 6 3.

The document gives only the ids; the textbook names them with a made-up shared vocabulary so
matrices get readable labels. The source is English ("I love cats"); the target is Korean
(나는 고양이를 좋아해, romanised as "naneun goyangireul joahae"), whose verb comes last, so the
cross-attention map is not a plain diagonal.

Two sets of weights run this example: untrained ones drawn from a seed (`toy_model`), and the
trained ones of `trained_model`, learnt on a small English -> Korean language that contains the
lecture's sentence (``translation``), stored with the package."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from ..model.transformer import Transformer, TransformerConfig
from ..training.checkpoint import load_weights

VOCAB: tuple[str, ...] = (
    "naneun",       # 0  나는 (I)
    "<pad>",        # 1
    "<bos>",        # 2  start of the decoder input
    "joahae",       # 3  좋아해 (love)
    "<eos>",        # 4
    "I",            # 5
    "goyangireul",  # 6  고양이를 (cats, as object)
    "dogs",         # 7
    "love",         # 8
    "cats",         # 9
    "gaereul",      # 10 개를 (dogs, as object)
)
PAD_ID, BOS_ID, EOS_ID = 1, 2, 4
SOURCE_IDS = np.array([5, 8, 9])
TARGET_IDS = np.array([0, 6, 3])
DECODER_INPUT_IDS = np.array([BOS_ID, 0, 6])  # the target shifted right behind <bos>

TOY_CONFIG = TransformerConfig(
    src_vocab_size=len(VOCAB), tgt_vocab_size=len(VOCAB), d_model=6, num_heads=2, d_ff=24,
    num_encoder_layers=1, num_decoder_layers=1, max_len=16,
)

WEIGHTS: tuple[str, ...] = ("untrained", "trained")
CHECKPOINT = "trained_running_example.npz"  # beside this module; written by tools/train_running_example.py


def token_names(ids, vocab: tuple[str, ...] = VOCAB) -> list[str]:
    """Readable names of token ids in `vocab` (this example's by default), for labelling matrix
    rows and columns."""
    return [vocab[int(i)] for i in np.asarray(ids).ravel()]


def toy_model(seed: int = 0, **overrides) -> Transformer:
    """The running example's model (1 encoder and 1 decoder layer), weights drawn from `seed`;
    keyword arguments override fields of `TOY_CONFIG` (e.g. ``attention_scale="d_model"``)."""
    from dataclasses import replace

    return Transformer(replace(TOY_CONFIG, **overrides), seed=seed)


def trained_model() -> Transformer:
    """The running example's model after training (``translation.train_running_example``):
    d_model 6, 2 heads, one encoder and one decoder layer, over the 36-token vocabulary of
    ``translation.VOCAB`` (whose ids 0-10 are `VOCAB`). The weights are the committed
    checkpoint, so its numbers are the same on every machine."""
    from .translation import TRAINED_CONFIG  # translation builds on this module

    model = Transformer(TRAINED_CONFIG)
    with resources.as_file(resources.files(__package__) / CHECKPOINT) as path:
        load_weights(model, path)
    return model


def check_weights(weights: str) -> str:
    """`weights` after checking it is one of WEIGHTS."""
    if weights not in WEIGHTS:
        raise ValueError(f"weights must be one of {WEIGHTS}, got {weights!r}")
    return weights


def vocabulary(weights: str = "untrained") -> tuple[str, ...]:
    """The token names of the model behind `weights`: the lecture's 11 (`VOCAB`) untrained, the
    36 of ``translation.VOCAB`` (whose first 11 are `VOCAB`) trained."""
    if check_weights(weights) == "untrained":
        return VOCAB
    from .translation import VOCAB as TRAINED_VOCAB  # translation builds on this module

    return TRAINED_VOCAB


@lru_cache(maxsize=4)
def running_example(seed: int = 0, weights: str = "untrained") -> tuple[Transformer, dict[str, np.ndarray]]:
    """The running example's model and the trace of one forward pass over the running example
    (source I love cats, decoder input <bos> naneun goyangireul), as read-only copies by dotted
    name. `weights` is "untrained" (drawn from `seed`) or "trained" (`trained_model`; `seed`
    plays no part). Cached and shared by the controls: they read weights from the model, and a
    control that runs the model again replaces its live trace, never these copies."""
    model = toy_model(seed=seed) if check_weights(weights) == "untrained" else trained_model()
    model.forward(SOURCE_IDS[None], DECODER_INPUT_IDS[None])
    trace = {name: value.copy() for name, value in model.trace().items()}
    for value in trace.values():
        value.setflags(write=False)
    return model, trace
