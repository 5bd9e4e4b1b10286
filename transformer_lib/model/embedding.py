"""Token embedding: a lookup table from token id to a dense vector (밀집 벡터)."""

from __future__ import annotations

import numpy as np

from .init import xavier_uniform
from .module import Module
from .validation import as_token_ids


class Embedding(Module):
    """Row lookup in a (vocab_size, d_model) table, optionally times sqrt(d_model).

    Looking up row t equals multiplying the one-hot vector of t by the table. The paper scales
    embeddings by sqrt(d_model) (section 3.4); the source document does not (``scale=False``).
    """

    overridable = ("forward", "lookup", "backward")  # inside a Transformer, `lookup` is what runs

    def __init__(self, vocab_size: int, d_model: int, rng: np.random.Generator, dtype=np.float64, scale: bool = True):
        super().__init__()
        self.vocab_size, self.d_model = vocab_size, d_model
        self.multiplier = float(np.sqrt(d_model)) if scale else 1.0
        self.add_parameter("weight", xavier_uniform(rng, vocab_size, d_model, dtype))

    def forward(self, tokens) -> np.ndarray:
        """tokens (...) integer ids in [0, vocab_size) -> vectors (..., d_model)."""
        return self.lookup(as_token_ids(tokens, self.vocab_size, "tokens"))

    def lookup(self, tokens: np.ndarray) -> np.ndarray:
        """`forward` for an int64 array of ids already checked against the vocabulary (the
        Transformer checks the batches it is given once, at its entry)."""
        self._cache = tokens
        return self.weight[tokens] * self.multiplier

    def backward(self, dout: np.ndarray) -> None:
        """dout (..., d_model): adds each token's gradient into its row of the table (a token
        that occurs several times adds all of its gradients). Token ids are not differentiable,
        so there is no input gradient."""
        np.add.at(self._grads["weight"], self._cache, dout * self.multiplier)
