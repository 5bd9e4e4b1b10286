"""`FastFeedForward`: the feed-forward network with ReLU's backward in place."""

from __future__ import annotations

import numpy as np

from ..model.feed_forward import FeedForward


class FastFeedForward(FeedForward):
    """`FeedForward` whose backward applies ReLU's gradient mask in place, on the array that
    ``linear2.backward`` returns (a new array), instead of making another."""

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (..., d_model) -> dx (..., d_model)."""
        d_activated = self.linear2.backward(dout)
        np.multiply(d_activated, self._cache > 0, out=d_activated)
        return self.linear1.backward(d_activated)
