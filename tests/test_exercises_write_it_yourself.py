"""The write-it-yourself exercises: for each, a solution written as a reader would passes its
checker; every known mistake of the exercise, as a wrong implementation, is caught with its own
diagnosis; and a few wrong functions written independently of the checker's list are diagnosed."""

import numpy as np
import pytest
from test_exercises_write_it_yourself_06_09 import EXERCISES as CHAPTERS_06_TO_09

from transformer_lib.exercises import nb01, nb02, nb03, nb04, nb05, nb10, nb11
from transformer_lib.exercises.implement import check_implementation


def embed(table, ids):
    return table[ids] * np.sqrt(table.shape[1])


def embed_backward(dout, table, ids):
    grad = np.zeros_like(table)
    for position, token in enumerate(ids.ravel()):
        grad[token] += np.sqrt(table.shape[1]) * dout.reshape(-1, table.shape[1])[position]
    return grad


def positional_encoding(max_len, d_model):
    table = np.zeros((max_len, d_model))
    for pos in range(max_len):
        for dim in range(d_model):
            angle = pos / 10000 ** ((dim - dim % 2) / d_model)
            table[pos, dim] = np.sin(angle) if dim % 2 == 0 else np.cos(angle)
    return table


def split_heads(x, num_heads):
    b, t, d = x.shape
    return x.reshape(b, t, num_heads, d // num_heads).transpose(0, 2, 1, 3)


def merge_heads(heads):
    b, h, t, d_k = heads.shape
    return heads.transpose(0, 2, 1, 3).reshape(b, t, h * d_k)


def multi_head_attention(query, key_value, w_q, w_k, w_v, w_o, num_heads, mask=None):
    q, k, v = (split_heads(x @ w, num_heads) for x, w in ((query, w_q), (key_value, w_k), (key_value, w_v)))
    return merge_heads(attention(q, k, v, mask)[0]) @ w_o


def attention(q, k, v, mask=None):
    scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, -np.inf, scores)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    weights = weights / weights.sum(axis=-1, keepdims=True)
    return weights @ v, weights


def layer_norm(x, gamma, beta, eps):
    x_hat = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    return gamma * x_hat + beta


def layer_norm_backward(dout, x, gamma, eps):
    x_hat = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
    g = dout * gamma
    dx = inv_std * (g - g.mean(axis=-1, keepdims=True) - x_hat * (g * x_hat).mean(axis=-1, keepdims=True))
    rows = dout.reshape(-1, x.shape[-1]), x_hat.reshape(-1, x.shape[-1])
    return dx, (rows[0] * rows[1]).sum(axis=0), rows[0].sum(axis=0)


def cross_entropy(logits, targets, label_smoothing):
    n, vocab = logits.shape
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    target = (1 - label_smoothing) * np.eye(vocab)[targets] + label_smoothing / vocab
    return -(target * log_probs).sum() / n, (np.exp(log_probs) - target) / n


def attention_backward(dout, q, k, v, mask=None):
    output, weights = attention(q, k, v, mask)
    dweights = dout @ v.swapaxes(-1, -2)
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True)) / np.sqrt(q.shape[-1])
    return dscores @ k, dscores.swapaxes(-1, -2) @ q, weights.swapaxes(-1, -2) @ dout


EXERCISES = {
    "01 embed": (nb01.embed_exercise, nb01.check_embed, embed),
    "01 embed backward": (nb01.embed_backward_exercise, nb01.check_embed_backward, embed_backward),
    "02 positional encoding": (nb02.positional_encoding_exercise, nb02.check_positional_encoding,
                               positional_encoding),
    "04 split heads": (nb04.split_heads_exercise, nb04.check_split_heads, split_heads),
    "04 merge heads": (nb04.merge_heads_exercise, nb04.check_merge_heads, merge_heads),
    "04 multi-head attention": (nb04.multi_head_attention_exercise, nb04.check_multi_head_attention,
                                multi_head_attention),
    "03 attention": (nb03.attention_exercise, nb03.check_attention, attention),
    "05 layer norm": (nb05.layer_norm_exercise, nb05.check_layer_norm, layer_norm),
    "05 layer norm backward": (nb05.layer_norm_backward_exercise, nb05.check_layer_norm_backward, layer_norm_backward),
    "10 cross-entropy": (nb10.cross_entropy_exercise, nb10.check_cross_entropy_function, cross_entropy),
    "11 attention backward": (nb11.attention_backward_exercise, nb11.check_attention_backward, attention_backward),
    **CHAPTERS_06_TO_09,
}


@pytest.mark.parametrize("name", EXERCISES)
def test_the_solution_passes(name):
    _, check, solution = EXERCISES[name]
    result = check(solution)
    assert result.passed, result.message


@pytest.mark.parametrize("name", EXERCISES)
def test_every_known_mistake_gets_its_own_diagnosis(name):
    exercise, check, _ = EXERCISES[name]
    mistakes = exercise().mistakes
    assert len(mistakes) >= 3
    for mistake in mistakes:
        result = check(mistake.function)
        assert not result.passed and mistake.diagnosis in result.message, (mistake.diagnosis, result.message)


@pytest.mark.parametrize("name", EXERCISES)
def test_the_stub_is_not_attempted_yet(name):
    exercise, check, _ = EXERCISES[name]

    def stub(*args):
        """The reader's stub."""
        raise NotImplementedError

    assert check(stub).message.startswith("Not attempted yet")
    assert check_implementation(stub, exercise()).message == check(stub).message


def test_attention_written_with_typical_slips():
    def sqrt_d_model_on_2d(q, k, v, mask=None):  # divides by a fixed 6 instead of sqrt(d_k)
        return attention(q * np.sqrt(q.shape[-1]) / 6, k, v, mask)

    def column_softmax(q, k, v, mask=None):
        scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            scores = np.where(mask, -np.inf, scores)
        e = np.exp(scores - scores.max(axis=-2, keepdims=True))
        w = e / e.sum(axis=-2, keepdims=True)
        return w @ v, w

    def mask_times_zero(q, k, v, mask=None):
        scores = q @ k.swapaxes(-1, -2) / np.sqrt(q.shape[-1])
        if mask is not None:
            scores = scores * ~mask
        e = np.exp(scores)
        w = e / e.sum(axis=-1, keepdims=True)
        return w @ v, w

    assert "expected" in nb03.check_attention(sqrt_d_model_on_2d).message
    assert "over the queries" in nb03.check_attention(column_softmax).message
    assert "set to 0" in nb03.check_attention(mask_times_zero).message


def test_layer_norm_written_with_typical_slips():
    def unbiased(x, gamma, beta, eps):
        return gamma * (x - x.mean(-1, keepdims=True)) / np.sqrt(np.var(x, axis=-1, ddof=1, keepdims=True) + eps) + beta

    def only_first_term(dout, x, gamma, eps):
        inv_std = 1 / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
        x_hat = (x - x.mean(axis=-1, keepdims=True)) * inv_std
        axes = tuple(range(x.ndim - 1))
        return dout * gamma * inv_std, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)

    def dgamma_per_token(dout, x, gamma, eps):
        dx, _, dbeta = layer_norm_backward(dout, x, gamma, eps)
        x_hat = (x - x.mean(axis=-1, keepdims=True)) / np.sqrt(x.var(axis=-1, keepdims=True) + eps)
        return dx, dout * x_hat, dbeta

    assert "unbiased" in nb05.check_layer_norm(unbiased).message
    assert "treats the mean and the variance as constants" in nb05.check_layer_norm_backward(only_first_term).message
    message = nb05.check_layer_norm_backward(dgamma_per_token).message
    assert "dgamma has shape (3, 6), expected (6,)" in message


def test_cross_entropy_and_attention_backward_written_with_typical_slips():
    def naive(logits, targets, label_smoothing):
        probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        target = (1 - label_smoothing) * np.eye(logits.shape[1])[targets] + label_smoothing / logits.shape[1]
        return -(target * np.log(probs)).sum() / len(targets), (probs - target) / len(targets)

    def python_float_loss_list_grad(logits, targets, label_smoothing):
        loss, grad = cross_entropy(logits, targets, label_smoothing)
        return loss, grad.tolist()

    def elementwise_softmax_backward(dout, q, k, v, mask=None):
        output, weights = attention(q, k, v, mask)
        dscores = (dout @ v.swapaxes(-1, -2)) * weights * (1 - weights) / np.sqrt(q.shape[-1])
        return dscores @ k, dscores.swapaxes(-1, -2) @ q, weights.swapaxes(-1, -2) @ dout

    assert "subtract each row's maximum" in nb10.check_cross_entropy_function(naive).message
    assert "dlogits should be a NumPy array, got a list" in nb10.check_cross_entropy_function(python_float_loss_list_grad).message
    assert "keeps only p (1 - p)" in nb11.check_attention_backward(elementwise_softmax_backward).message


def test_embedding_written_with_typical_slips():
    def assigned(dout, table, ids):  # fancy-index assignment: a repeated id keeps its last row
        grad = np.zeros_like(table)
        grad[ids.ravel()] = dout.reshape(-1, table.shape[1]) * np.sqrt(table.shape[1])
        return grad

    def rows_per_position(dout, table, ids):
        return np.sqrt(table.shape[1]) * dout.reshape(-1, table.shape[1])

    def plain_lookup(table, ids):
        return np.stack([table[i] for i in ids.ravel()]).reshape(*ids.shape, table.shape[1])

    def float32_lookup(table, ids):
        return (table[ids] * np.sqrt(table.shape[1])).astype(np.float32)

    message = nb01.check_embed_backward(assigned).message
    assert "keeps only one of its gradients" in message and "read twice" in message
    assert "one row per vocabulary entry" in nb01.check_embed_backward(rows_per_position).message
    assert "not scaled" in nb01.check_embed(plain_lookup).message
    assert "vectors has dtype float32, expected float64" in nb01.check_embed(float32_lookup).message


def test_positional_encoding_written_with_typical_slips():
    def cosine_first(max_len, d_model):
        pos = np.arange(max_len)[:, None]
        angles = pos / 10000 ** (np.arange(0, d_model, 2) / d_model)
        table = np.zeros((max_len, d_model))
        table[:, 0::2] = np.cos(angles)
        table[:, 1::2] = np.sin(angles[:, : d_model // 2])
        return table

    def even_only(max_len, d_model):  # assumes an even d_model: the cosines do not fit an odd one
        pos = np.arange(max_len)[:, None]
        angles = pos / 10000 ** (np.arange(0, d_model, 2) / d_model)
        table = np.zeros((max_len, d_model))
        table[:, 0::2] = np.sin(angles)
        table[:, 1::2] = np.cos(angles)
        return table

    def base_1000(max_len, d_model):
        return positional_encoding(max_len, d_model) if d_model == 6 and max_len == 3 else np.sin(
            np.arange(max_len)[:, None] / 1000 ** (np.arange(d_model) // 2 * 2 / d_model) + np.pi / 2 * (
                np.arange(d_model) % 2))

    assert "sine and cosine are swapped" in nb02.check_positional_encoding(cosine_first).message
    message = nb02.check_positional_encoding(even_only).message
    assert "raised ValueError" in message and "odd d_model of 7" in message
    message = nb02.check_positional_encoding(base_1000).message
    assert "20 positions, d_model 16" in message and "expected" in message


def test_multi_head_attention_written_with_typical_slips():
    def split_by_reshape(x, num_heads):
        b, t, d = x.shape
        return x.reshape(b, num_heads, t, d // num_heads)

    def transposed_weights(query, key_value, w_q, w_k, w_v, w_o, num_heads, mask=None):  # torch's x @ W.T
        return multi_head_attention(query, key_value, w_q.T, w_k.T, w_v.T, w_o.T, num_heads, mask)

    def heads_of_one_token(query, key_value, w_q, w_k, w_v, w_o, num_heads, mask=None):
        q, k, v = (split_by_reshape(x @ w, num_heads) for x, w in ((query, w_q), (key_value, w_k), (key_value, w_v)))
        return merge_heads(attention(q, k, v, mask)[0]) @ w_o

    assert "reshaping straight to (B, h, T, d_k)" in nb04.check_split_heads(split_by_reshape).message
    message = nb04.check_multi_head_attention(transposed_weights).message
    assert message.startswith("Not yet: On self-attention on the running example") and "nn.MultiheadAttention" in message
    assert "mixes the features of different tokens" not in message
    assert "Not yet" in nb04.check_multi_head_attention(heads_of_one_token).message
