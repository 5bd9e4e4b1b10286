"""Masks act exactly: a masked position gets attention weight 0.0 and gradient 0.0 (not merely
small), and a query that may attend to nothing gives a defined result with no NaN anywhere.
(RuntimeWarnings are errors in this suite, so a 0/0 or log(0) on the way would fail too.)"""

import numpy as np

import transformer_lib as tl


def test_masked_weights_are_exactly_zero_and_rows_sum_to_one():
    rng = np.random.default_rng(0)
    attn = tl.MultiHeadAttention(6, 2, rng)
    x = rng.standard_normal((2, 5, 6))
    padding = np.array([[False] * 5, [False, False, False, True, True]])
    mask = tl.attention_mask(key_padding=padding, causal_length=5)  # (2, 1, 5, 5)
    attn.forward(x, x, mask)
    weights = attn.trace()["weights"]
    blocked = np.broadcast_to(mask, weights.shape)
    assert np.all(weights[blocked] == 0.0)
    assert np.all(weights[~blocked] > 0.0)
    np.testing.assert_allclose(weights.sum(axis=-1), 1.0, atol=1e-12)
    assert np.all(attn.trace()["masked_scores"][blocked] == -np.inf)


def test_masked_keys_get_exactly_zero_gradient():
    """A padded key influences no query, so its key and value inputs get gradient 0.0."""
    rng = np.random.default_rng(1)
    attn = tl.MultiHeadAttention(6, 3, rng)
    query, memory = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 4, 6))
    padding = np.array([[False, False, True, True], [False, False, False, True]])
    attn.forward(query, memory, tl.attention_mask(key_padding=padding))
    _, d_memory = attn.backward(rng.standard_normal((2, 3, 6)))
    assert np.all(d_memory[padding] == 0.0)
    assert np.all(np.abs(d_memory[~padding]).sum(axis=-1) > 0)


def test_future_tokens_get_exactly_zero_gradient_through_the_causal_mask():
    """The loss at decoder position 0 cannot depend on the decoder inputs at positions 1, 2, ...:
    their embedding rows get gradient 0.0 while position 0's does not."""
    model = tl.Transformer(tl.TransformerConfig(num_decoder_layers=2), seed=0)
    src, tgt = np.array([[5, 8, 9]]), np.array([[2, 0, 6, 3]])  # distinct target tokens
    logits = model.forward(src, tgt)
    dlogits = np.zeros_like(logits)
    dlogits[:, 0] = np.random.default_rng(2).standard_normal(logits.shape[-1])
    model.zero_grad()
    model.backward(dlogits)
    d_embed = model.gradients()["tgt_embed.weight"]
    assert np.all(d_embed[[0, 6, 3]] == 0.0)
    assert np.all(d_embed[2] != 0.0)


def test_source_padding_gets_exactly_zero_gradient_in_the_whole_model():
    """With source padding masked in the encoder and in cross-attention, the padding token's
    embedding row gets gradient 0.0, and the loss does not change when the padding token changes."""
    model = tl.Transformer(tl.TransformerConfig(pad_id=1, num_encoder_layers=2, norm_first=True), seed=3)
    src, tgt = np.array([[5, 8, 9, 1, 1], [7, 1, 1, 1, 1]]), np.array([[2, 0, 6], [2, 10, 3]])
    logits = model.forward(src, tgt)
    model.zero_grad()
    model.backward(np.random.default_rng(4).standard_normal(logits.shape))
    assert np.all(model.gradients()["src_embed.weight"][1] == 0.0)
    assert np.all(model.gradients()["src_embed.weight"][[5, 7, 8, 9]] != 0.0)
    other_padding = np.where(src == 1, 4, src)
    np.testing.assert_allclose(model.forward(other_padding, tgt, src_padding=src == 1), logits, rtol=0, atol=1e-13)


def test_query_with_every_key_masked_is_defined_and_has_no_nan():
    rng = np.random.default_rng(5)
    attn = tl.MultiHeadAttention(4, 2, rng)
    attn.w_o.bias[...] = 0.25
    x = rng.standard_normal((1, 3, 4))
    mask = np.zeros((1, 1, 3, 3), dtype=bool)
    mask[0, 0, 1, :] = True  # query 1 may attend to nothing
    out = attn.forward(x, x, mask)
    weights = attn.trace()["weights"]
    assert np.all(weights[0, :, 1] == 0.0)
    np.testing.assert_allclose(out[0, 1], attn.w_o.bias)  # a zero mix of values, then W_o's bias
    attn.zero_grad()
    dx = sum(attn.backward(rng.standard_normal(out.shape)))
    for array in [out, dx, *attn.gradients().values(), *attn.trace().values()]:
        assert not np.any(np.isnan(array))


def test_a_fully_padded_sentence_in_a_batch_gives_no_nan_anywhere():
    """Batch row 1 is padding only: every query of its encoder, and its cross-attention, sees no
    key. Forward, loss, backward and an Adam step stay finite, and row 0 is unaffected."""
    model = tl.Transformer(tl.TransformerConfig(pad_id=1), seed=0)
    src = np.array([[5, 8, 9], [1, 1, 1]])
    tgt, target = np.array([[2, 0, 6], [2, 1, 1]]), np.array([[0, 6, 3], [4, 1, 1]])
    logits = model.forward(src, tgt)
    loss = tl.CrossEntropyLoss(ignore_index=1)
    value = loss.forward(logits, target)
    model.zero_grad()
    model.backward(loss.backward())
    tl.Adam(model).step()
    arrays = [logits, np.array(value), *model.gradients().values(), *model.parameters().values()]
    arrays += list(model.trace().values())  # masked scores are -inf by design, never NaN
    for array in arrays:
        assert not np.any(np.isnan(array))
    single = tl.Transformer(tl.TransformerConfig(pad_id=1), seed=0).forward(src[:1], tgt[:1])
    np.testing.assert_allclose(logits[:1], single, rtol=0, atol=1e-12)


def test_a_batch_without_padding_attends_without_masks_and_gives_the_same_numbers():
    """No position is padding: the model leaves the padding masks out, which changes no number."""
    model = tl.Transformer(tl.TransformerConfig(src_vocab_size=9, tgt_vocab_size=9, d_model=8, num_heads=2, d_ff=16,
                                                num_encoder_layers=1, num_decoder_layers=1, pad_id=0), seed=0)
    rng = np.random.default_rng(0)
    src, tgt = rng.integers(1, 9, (2, 5)), rng.integers(1, 9, (2, 4))
    model.forward(src, tgt)
    trace = model.trace()
    assert trace["encoder.layers.0.self_attn.masked_scores"] is trace["encoder.layers.0.self_attn.scaled_scores"]
    above = np.triu_indices(4, 1)  # the decoder's causal mask stays
    assert np.all(np.isneginf(trace["decoder.layers.0.self_attn.masked_scores"][..., above[0], above[1]]))

    nothing_padded = tl.attention_mask(key_padding=np.zeros(src.shape, dtype=bool))  # (2, 1, 1, 5), all False
    with_mask = model.encoder.forward(trace["src_input"], nothing_padded)
    np.testing.assert_array_equal(with_mask, trace["memory"])
