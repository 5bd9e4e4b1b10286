"""The source document's running example: an 11-token vocabulary, d_model = 6, 2 heads, the
source sentence 5 8 9 and the target 0 6 3.

The document gives only the ids; the textbook names them with a made-up shared vocabulary so
matrices get readable labels. The source is English ("I love cats"); the target is Korean
(나는 고양이를 좋아해, romanised as "naneun goyangireul joahae"), whose verb comes last, so the
cross-attention map is not a plain diagonal."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..model.transformer import Transformer, TransformerConfig

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


def token_names(ids, vocab: tuple[str, ...] = VOCAB) -> list[str]:
    """Readable names of token ids in `vocab` (this example's by default), for labelling matrix
    rows and columns."""
    return [vocab[int(i)] for i in np.asarray(ids).ravel()]


def toy_model(seed: int = 0, **overrides) -> Transformer:
    """The running example's model (1 encoder and 1 decoder layer), weights drawn from `seed`;
    keyword arguments override fields of `TOY_CONFIG` (e.g. ``attention_scale="d_model"``)."""
    from dataclasses import replace

    return Transformer(replace(TOY_CONFIG, **overrides), seed=seed)


@lru_cache(maxsize=4)
def running_example(seed: int = 0) -> tuple[Transformer, dict[str, np.ndarray]]:
    """The toy model of `seed` and the trace of one forward pass over the running example
    (source I love cats, decoder input <bos> naneun goyangireul), as read-only copies by dotted
    name. Cached and shared by the controls: they read weights from the model, and a control
    that runs the model again replaces its live trace, never these copies."""
    model = toy_model(seed=seed)
    model.forward(SOURCE_IDS[None], DECODER_INPUT_IDS[None])
    trace = {name: value.copy() for name, value in model.trace().items()}
    for value in trace.values():
        value.setflags(write=False)
    return model, trace
