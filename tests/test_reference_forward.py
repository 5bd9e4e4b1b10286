"""The NumPy Transformer computes the same logits as the same model built from PyTorch's own
modules (nn.Embedding, nn.TransformerEncoderLayer / nn.TransformerDecoderLayer, nn.Linear), on
random configurations: sizes, depths, pre- and post-norm, with and without padding."""

import numpy as np
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import transformer_lib as tl
from transformer_lib.reference.torch_model import torch_twin

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None)


@st.composite
def model_and_batch(draw):
    """A random Transformer and a batch for it: (model, src, tgt). With padding, pad_id is 0 and
    every sequence is right-padded but keeps at least one real token (PyTorch gives NaN for a
    query that may attend to nothing; tests/test_masking.py covers that case on our side)."""
    d_model = draw(st.integers(1, 16))
    num_heads = draw(st.sampled_from([h for h in range(1, d_model + 1) if d_model % h == 0]))
    padded = draw(st.booleans())
    config = tl.TransformerConfig(
        src_vocab_size=draw(st.integers(2, 20)),
        tgt_vocab_size=draw(st.integers(2, 20)),
        d_model=d_model,
        num_heads=num_heads,
        d_ff=draw(st.integers(1, 32)),
        num_encoder_layers=draw(st.integers(1, 3)),
        num_decoder_layers=draw(st.integers(1, 3)),
        max_len=12,
        norm_first=draw(st.booleans()),
        embed_scale=draw(st.booleans()),
        pad_id=0 if padded else None,
    )
    model = tl.Transformer(config, seed=draw(st.integers(0, 2**16)))
    batch = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    src = _tokens(rng, batch, draw(st.integers(1, 12)), config.src_vocab_size, padded)
    tgt = _tokens(rng, batch, draw(st.integers(1, 12)), config.tgt_vocab_size, padded)
    return model, src, tgt


def _tokens(rng, batch, length, vocab, padded):
    if not padded:
        return rng.integers(0, vocab, (batch, length))
    tokens = rng.integers(1, vocab, (batch, length))
    for row, real in zip(tokens, rng.integers(1, length + 1, batch), strict=True):
        row[real:] = 0
    return tokens


def torch_logits(model, src, tgt):
    """Logits of `model`'s PyTorch twin, with the same padding masks."""
    twin = torch_twin(model)
    pad = model.config.pad_id
    src_padding = None if pad is None else torch.as_tensor(src == pad)
    tgt_padding = None if pad is None else torch.as_tensor(tgt == pad)
    return twin, twin(torch.as_tensor(src), torch.as_tensor(tgt), src_padding, tgt_padding)


@SETTINGS
@given(model_and_batch())
def test_memory_and_logits_equal_pytorch(case):
    """The encoder output (checked first, to locate a mismatch) and the logits."""
    model, src, tgt = case
    logits = model.forward(src, tgt)
    memory = model.trace()["memory"]
    twin, expected = torch_logits(model, src, tgt)
    pad = model.config.pad_id
    x = twin.src_embed(torch.as_tensor(src)) * twin.embed_multiplier + twin.pe[: src.shape[1]]
    expected_memory = twin.encoder(x, src_key_padding_mask=None if pad is None else torch.as_tensor(src == pad))
    assert tl.relative_error(memory, expected_memory.detach().numpy()) < 1e-10
    assert logits.shape == (*tgt.shape, model.config.tgt_vocab_size)
    assert tl.relative_error(logits, expected.detach().numpy()) < 1e-10


def test_the_reference_is_pytorch_and_not_a_copy():
    """The twin's layers are PyTorch's own classes, so agreement is evidence, not tautology."""
    twin = torch_twin(tl.Transformer(tl.TransformerConfig(num_encoder_layers=2), seed=0))
    assert isinstance(twin.encoder.layers[0], torch.nn.TransformerEncoderLayer)
    assert isinstance(twin.decoder.layers[0], torch.nn.TransformerDecoderLayer)
    assert isinstance(twin.encoder.layers[0].self_attn, torch.nn.MultiheadAttention)
    assert isinstance(twin.generator, torch.nn.Linear) and isinstance(twin.src_embed, torch.nn.Embedding)
    assert twin.encoder.layers[0].dropout.p == 0.0


def test_a_changed_weight_is_detected():
    """The comparison can fail: perturb one weight of the NumPy model after copying."""
    model = tl.Transformer(tl.TransformerConfig(), seed=0)
    src, tgt = np.array([[5, 8, 9]]), np.array([[2, 0, 6]])
    _, expected = torch_logits(model, src, tgt)
    model.parameters()["decoder.layers.0.cross_attn.w_v.weight"][0, 0] += 1e-6
    assert tl.relative_error(model.forward(src, tgt), expected.detach().numpy()) > 1e-10
