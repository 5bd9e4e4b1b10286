"""The multiply-add counts of a decoding step, with and without the KV cache, against the matrix
products the code really runs (every Linear's rows x d_in x d_out, and every attention's
queries x keys x d_model for the scores and again for weights x V); the per-step timer returns
one positive time per step."""

import numpy as np
import pytest

import transformer_lib as tl
from transformer_lib.lessons import decoding_cost
from transformer_lib.model import kv_cache
from transformer_lib.model.kv_cache import IncrementalDecoder
from transformer_lib.model.linear import Linear

CONFIG = tl.TransformerConfig(src_vocab_size=9, tgt_vocab_size=13, d_model=8, num_heads=2, d_ff=20,
                              num_encoder_layers=1, num_decoder_layers=3, max_len=12)
BATCH, SOURCE = 2, 5


@pytest.fixture
def counted_linear(monkeypatch):
    """Counts the multiply-adds of every Linear.forward while the test runs."""
    count = {"multiply_adds": 0}
    forward = Linear.forward

    def counting_forward(self, x):
        count["multiply_adds"] += int(np.prod(np.shape(x)[:-1])) * self.d_in * self.d_out
        return forward(self, x)

    monkeypatch.setattr(Linear, "forward", counting_forward)
    return count


@pytest.mark.parametrize("prefix_length", [1, 4, 12])
def test_uncached_step_counts_what_the_full_decoder_multiplies(counted_linear, prefix_length):
    model = tl.Transformer(CONFIG, seed=0)
    rng = np.random.default_rng(0)
    memory = model.encode(rng.integers(0, 9, (BATCH, SOURCE)))
    counted_linear["multiply_adds"] = 0
    model.decode(rng.integers(0, 13, (BATCH, prefix_length)), memory)
    trace = model.trace()
    attention = sum(2 * trace[f"decoder.layers.{i}.{kind}.weights"].size // CONFIG.num_heads * CONFIG.d_model
                    for i in range(3) for kind in ("self_attn", "cross_attn"))  # (B, h, Tq, Tk) -> B Tq Tk d_model
    counted = (counted_linear["multiply_adds"] + attention) / BATCH
    assert decoding_cost.decoder_step_multiply_adds(CONFIG, prefix_length, SOURCE, cached=False)["total"] == counted


def test_cached_steps_count_what_the_incremental_decoder_multiplies(counted_linear, monkeypatch):
    attention = {"multiply_adds": 0}
    attend = kv_cache.scaled_dot_product_attention

    def counting_attention(q, k, v, mask=None, scale=None):
        attention["multiply_adds"] += int(np.prod(q.shape[:-1])) * k.shape[-2] * (q.shape[-1] + v.shape[-1])
        return attend(q, k, v, mask, scale)

    monkeypatch.setattr(kv_cache, "scaled_dot_product_attention", counting_attention)
    model = tl.Transformer(CONFIG, seed=0)
    rng = np.random.default_rng(1)
    decoder = IncrementalDecoder(model, rng.integers(0, 9, (BATCH, SOURCE)))
    for n in range(1, 13):
        counted_linear["multiply_adds"] = attention["multiply_adds"] = 0
        decoder.step(rng.integers(0, 13, BATCH))
        counted = (counted_linear["multiply_adds"] + attention["multiply_adds"]) / BATCH
        assert decoding_cost.decoder_step_multiply_adds(CONFIG, n, SOURCE, cached=True)["total"] == counted


def test_the_uncached_step_grows_quadratically_and_the_cached_one_linearly():
    uncached = [decoding_cost.decoder_step_multiply_adds(CONFIG, n, SOURCE, False)["total"] for n in (1, 2, 3, 4)]
    cached = [decoding_cost.decoder_step_multiply_adds(CONFIG, n, SOURCE, True)["total"] for n in (1, 2, 3, 4)]
    assert len(set(np.diff(cached))) == 1, "equal increments: linear"
    assert len(set(np.diff(uncached, 2))) == 1 and np.diff(uncached, 2)[0] > 0, "equal second differences: quadratic"


@pytest.mark.parametrize("cached", [True, False])
def test_the_step_timer_gives_one_time_per_step(cached):
    model = tl.Transformer(CONFIG, seed=0)
    seconds = decoding_cost.decoding_step_seconds(model, np.zeros((BATCH, SOURCE), dtype=int), 6, cached)
    assert seconds.shape == (6,) and np.all(seconds > 0)


@pytest.mark.parametrize("cached", [True, False])
def test_the_single_step_timer_gives_one_time_per_prefix_length(cached):
    model = tl.Transformer(CONFIG, seed=0)
    seconds = decoding_cost.step_seconds_at(model, np.zeros((BATCH, SOURCE), dtype=int), [1, 5, 12], cached, repeats=2)
    assert seconds.shape == (3,) and np.all(seconds > 0)
