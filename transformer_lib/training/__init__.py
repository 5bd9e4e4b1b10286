"""Training and using a model: ``optim`` (SGD, Adam, the warm-up schedule, clipping), ``loop``
(one training step, batches), ``decoding`` (greedy and beam search), ``checkpoint`` (saving and
loading weights) and ``gradcheck`` (finite differences)."""
