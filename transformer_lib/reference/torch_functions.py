"""PyTorch's own functions with NumPy arrays in and out: what the exercises' checkers compare a
reader's function with, besides the package and finite differences.

Each function calls torch's implementation (``F.scaled_dot_product_attention``,
``nn.MultiheadAttention``, ``F.layer_norm``, ``F.cross_entropy``, ``F.linear``, ``F.relu``,
``nn.Transformer.generate_square_subsequent_mask``, ``F.embedding``, ``torch.optim.Adam``) and,
for a gradient, autograd; none re-writes the formula in torch. Masks follow the package's
convention, True = hidden (torch's attention takes True = may attend, so they are inverted here).
"""

from __future__ import annotations

from importlib import import_module

import numpy as np


class _OnFirstUse:
    """A module imported when one of its names is first read. A checker lists these functions
    among its references before it knows whether the reader has written the exercise, so an
    exercise left as it is does not pay for importing torch."""

    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attribute: str):
        return getattr(import_module(self._name), attribute)


torch, F, nn = _OnFirstUse("torch"), _OnFirstUse("torch.nn.functional"), _OnFirstUse("torch.nn")


def _tensor(x: np.ndarray, grad: bool = False) -> torch.Tensor:
    return torch.tensor(np.asarray(x), requires_grad=grad)


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy().copy()


def _attend(q, k, v, mask):
    allowed = None if mask is None else ~torch.as_tensor(np.asarray(mask, dtype=bool))
    return F.scaled_dot_product_attention(q, k, v, attn_mask=allowed)


def attention(q: np.ndarray, k: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """softmax(q kᵀ / sqrt(d_k), masked) v by ``F.scaled_dot_product_attention``.
    q (..., Tq, d_k), k (..., Tk, d_k), v (..., Tk, d_v) -> (..., Tq, d_v). Every query must
    see at least one key (torch gives NaN for a fully hidden row)."""
    return _numpy(_attend(_tensor(q), _tensor(k), _tensor(v), mask))


def attention_gradients(dout: np.ndarray, q: np.ndarray, k: np.ndarray, v: np.ndarray,
                        mask: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dq, dk, dv) of sum(dout * attention(q, k, v, mask)) by autograd."""
    tq, tk, tv = _tensor(q, True), _tensor(k, True), _tensor(v, True)
    _attend(tq, tk, tv, mask).backward(_tensor(dout))
    return _numpy(tq.grad), _numpy(tk.grad), _numpy(tv.grad)


def multi_head_attention(query: np.ndarray, key_value: np.ndarray, w_q: np.ndarray, w_k: np.ndarray,
                         w_v: np.ndarray, w_o: np.ndarray, num_heads: int,
                         mask: np.ndarray | None = None) -> np.ndarray:
    """``nn.MultiheadAttention`` (no biases, no dropout) with the four (d_model, d_model) weights
    copied in: query (B, Tq, d_model), key_value (B, Tk, d_model), mask broadcasting to
    (B, heads, Tq, Tk), True = hidden -> (B, Tq, d_model). The weights act as x @ W, as in the
    package; torch stores the transposes, W_Q, W_K, W_V stacked in one ``in_proj_weight``."""
    d_model = query.shape[-1]
    module = torch.nn.MultiheadAttention(d_model, num_heads, bias=False, batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        module.in_proj_weight.copy_(_tensor(np.concatenate([w_q.T, w_k.T, w_v.T])))
        module.out_proj.weight.copy_(_tensor(w_o.T))
    attn_mask = None
    if mask is not None:  # torch takes one (Tq, Tk) mask per (sequence, head): (B * heads, Tq, Tk)
        b, tq, tk = query.shape[0], query.shape[1], key_value.shape[1]
        full = np.broadcast_to(np.asarray(mask, dtype=bool), (b, num_heads, tq, tk))
        attn_mask = torch.as_tensor(full.reshape(b * num_heads, tq, tk).copy())
    kv = _tensor(key_value)
    with torch.no_grad():
        out, _ = module(_tensor(query), kv, kv, attn_mask=attn_mask, need_weights=False)
    return _numpy(out)


def layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """``F.layer_norm`` over the last axis: x (..., d), gamma and beta (d,) -> (..., d)."""
    return _numpy(F.layer_norm(_tensor(x), (x.shape[-1],), _tensor(gamma), _tensor(beta), eps))


def layer_norm_gradients(dout: np.ndarray, x: np.ndarray, gamma: np.ndarray,
                         eps: float = 1e-5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dgamma, dbeta) of sum(dout * layer_norm(x, gamma, beta)) by autograd (beta's value
    does not matter: the gradients do not depend on it)."""
    tx, tg = _tensor(x, True), _tensor(gamma, True)
    tb = torch.zeros_like(tg, requires_grad=True)
    F.layer_norm(tx, (x.shape[-1],), tg, tb, eps).backward(_tensor(dout))
    return _numpy(tx.grad), _numpy(tg.grad), _numpy(tb.grad)


def causal_mask(length: int) -> np.ndarray:
    """``nn.Transformer.generate_square_subsequent_mask`` (-inf where a query may not look, 0
    elsewhere) as the package's boolean mask, True = hidden: (length, length)."""
    return np.isneginf(_numpy(nn.Transformer.generate_square_subsequent_mask(length)))


def cross_entropy_with_gradient(logits: np.ndarray, targets: np.ndarray,
                                label_smoothing: float = 0.0) -> tuple[float, np.ndarray]:
    """(mean loss, dloss/dlogits) by ``F.cross_entropy`` and autograd: logits (N, V), targets (N,)."""
    t = _tensor(logits, True)
    loss = F.cross_entropy(t, torch.as_tensor(np.asarray(targets, dtype=np.int64)), label_smoothing=label_smoothing)
    loss.backward()
    return float(loss.item()), _numpy(t.grad)


def feed_forward(x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray) -> np.ndarray:
    """``F.linear``, ``F.relu``, ``F.linear``: x (..., d_model), w1 (d_model, d_ff) and w2 (d_ff,
    d_model) stored input-major as in the package (``F.linear`` takes their transposes)."""
    return _numpy(_feed_forward(_tensor(x), _tensor(w1), _tensor(b1), _tensor(w2), _tensor(b2)))


def feed_forward_gradients(dout: np.ndarray, x: np.ndarray, w1: np.ndarray, b1: np.ndarray,
                           w2: np.ndarray) -> tuple[np.ndarray, ...]:
    """(dx, dw1, db1, dw2, db2) of sum(dout * feed_forward(x, w1, b1, w2, b2)) by autograd (the
    value of b2 does not matter)."""
    tensors = [_tensor(a, True) for a in (x, w1, b1, w2)]
    tb2 = torch.zeros(w2.shape[1], dtype=tensors[0].dtype, requires_grad=True)
    _feed_forward(*tensors, tb2).backward(_tensor(dout))
    return (*(_numpy(t.grad) for t in tensors), _numpy(tb2.grad))


def _feed_forward(x, w1, b1, w2, b2):
    return F.linear(F.relu(F.linear(x, w1.T, b1)), w2.T, b2)


def embedding_with_gradient(table: np.ndarray, tokens: np.ndarray, dout: np.ndarray,
                            scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(F.embedding(tokens, table) * scale, d sum(dout * lookup) / dtable by autograd): table
    (V, d), tokens (...) ids, dout (..., d)."""
    t = _tensor(table, True)
    looked_up = F.embedding(torch.as_tensor(np.asarray(tokens, dtype=np.int64)), t) * scale
    looked_up.backward(_tensor(dout))
    return _numpy(looked_up), _numpy(t.grad)


def adam_step(param: np.ndarray, grad: np.ndarray, m: np.ndarray, v: np.ndarray, step: int, lr: float,
              beta1: float, beta2: float, eps: float) -> np.ndarray:
    """The parameter after ``torch.optim.Adam``'s update number `step` (1, 2, ...), given its
    moment estimates m and v after step - 1 updates."""
    p = torch.nn.Parameter(_tensor(param))
    optimiser = torch.optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps)
    p.grad = _tensor(grad)
    optimiser.state[p] = {"step": torch.tensor(float(step - 1)), "exp_avg": _tensor(m),
                          "exp_avg_sq": _tensor(v)}
    optimiser.step()
    return _numpy(p)
