"""The opt-in fast path: the same computations as the teaching code in ``model`` and ``training``,
rearranged for speed (merged products, joint gradients, reductions as matrix products, updates in
place). Every piece is a drop-in subclass of the plain one and is tested equal to it.

``accelerate(model)`` switches every layer of a model to its fast subclass, keeping its
parameters; ``Adam`` and ``CrossEntropyLoss`` here replace the plain optimiser and loss::

    from transformer_lib import fast

    fast.accelerate(model)
    optimizer, loss_fn = fast.Adam(model, lr=1e-3), fast.CrossEntropyLoss(ignore_index=pad_id)

Nothing in ``model`` or ``training`` imports this package.
"""

from .accelerate import FAST_LAYERS, accelerate
from .attention import FastMultiHeadAttention
from .embedding import FastEmbedding
from .feed_forward import FastFeedForward
from .layer_norm import FastLayerNorm
from .linear import FastLinear
from .loss import FastCrossEntropyLoss
from .optim import FastAdam

Adam = FastAdam  # drop-in for training.optim.Adam
CrossEntropyLoss = FastCrossEntropyLoss  # drop-in for model.loss.CrossEntropyLoss

__all__ = [
    "FAST_LAYERS", "Adam", "CrossEntropyLoss", "FastAdam", "FastCrossEntropyLoss", "FastEmbedding", "FastFeedForward",
    "FastLayerNorm", "FastLinear", "FastMultiHeadAttention", "accelerate",
]
