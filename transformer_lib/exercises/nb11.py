"""Checkers for ``11_backpropagation.ipynb``: the gradient of the loss with respect to the
logits, the output layer's weight gradient, one row of a softmax backward in the running
example's cross-attention, and a ReLU backward with a unit exactly at 0."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..lessons.toy import DECODER_INPUT_IDS, SOURCE_IDS, TARGET_IDS, toy_model
from ..model.attention import scaled_dot_product_attention
from ..model.feed_forward import relu_backward
from ..model.loss import CrossEntropyLoss
from ..model.softmax import softmax, softmax_backward
from .feedback import CheckResult, as_number_array, check_matrix, wrong
from .implement import Case, Exercise, Mistake, Reference, check_implementation, finite_difference_gradients

N, V = len(TARGET_IDS), 11
# Exercise 3: head 1 of the decoder's cross-attention, the query "naneun" (position 1).
ROW_HEAD, ROW_QUERY = 0, 1
# Exercise 4: pre-activations of five hidden units (one exactly 0) and the gradient arriving from above.
RELU_HIDDEN = np.array([1.5, -0.3, 0.0, 2.0, -1.2])
RELU_DOUT = np.array([0.2, 0.4, -0.1, -0.5, 0.3])


@lru_cache(maxsize=1)
def running_example_backward() -> dict[str, np.ndarray]:
    """The running example's forward pass and the start of its backward pass, by the package.

    Returns ``probs`` (3, 11), ``dlogits`` (3, 11), ``decoder_output`` (3, 6) (the output
    layer's input), ``dW`` (6, 11) the output layer's weight gradient, and for head 1 of the
    decoder's cross-attention ``P`` (3, 3) its weights and ``dP`` (3, 3) dLoss/dP."""
    model = toy_model(seed=0)
    criterion = CrossEntropyLoss()
    logits = model.forward(SOURCE_IDS[None], DECODER_INPUT_IDS[None])
    criterion.forward(logits, TARGET_IDS[None])
    trace = model.trace()
    layer, attn = model.decoder.layers[0], model.decoder.layers[0].cross_attn
    dlogits = criterion.backward()
    model.zero_grad()
    # Backward by hand down to the cross-attention weights: output layer, add & norm 3, the FFN
    # with its residual, add & norm 2, the output projection W_o, then weights @ V.
    ds3 = layer.norm3.backward(model.generator.backward(dlogits))
    ds2 = layer.norm2.backward(ds3 + layer.ffn.backward(ds3))
    dconcat = attn.w_o.backward(ds2)[0]                                   # (3, 6)
    dheads = dconcat.reshape(N, attn.num_heads, attn.d_k).transpose(1, 0, 2)
    V_heads = trace["decoder.layers.0.cross_attn.V"][0]
    return {
        "probs": softmax(logits[0]),
        "dlogits": dlogits[0],
        "decoder_output": trace["decoder_output"][0],
        "dW": model.gradients()["generator.weight"].copy(),
        "P": trace["decoder.layers.0.cross_attn.weights"][0, ROW_HEAD],
        "dP": (dheads @ V_heads.swapaxes(-1, -2))[ROW_HEAD],
    }


def check_logits_gradient(answer) -> CheckResult:
    """Exercise 1: dLoss/dlogits of the running example, (3, 11)."""
    d = running_example_backward()
    probs, one_hot = d["probs"], np.eye(V)[TARGET_IDS]
    hint = "softmax minus the one-hot target, divided by the number of positions N = 3."
    mistakes = [
        (probs - one_hot, "that is p - y; the loss is a mean over N = 3 positions, so divide by 3."),
        ((one_hot - probs) / N, "the sign: raising the correct token's logit lowers the loss, so its gradient "
                                "is negative, p - 1 < 0."),
        ((probs - one_hot) / V, "divide by the number of positions N = 3, not by the vocabulary size."),
        (probs / N, "subtract the one-hot target y: the correct token's entry is (p - 1) / N."),
        ((probs - np.eye(V)[DECODER_INPUT_IDS]) / N,
         "the one-hot rows must mark the targets 0 6 3, not the decoder input <bos> 0 6."),
    ]
    return check_matrix(answer, d["dlogits"], "the gradient", hint, atol=5e-5, mistakes=mistakes,
                        what="(p - y) / 3: every wrong token is pushed down by its probability, the correct one "
                             "up by 1 - p; each row sums to 0.")


def check_weight_gradient(answer) -> CheckResult:
    """Exercise 2: dLoss/dW of the output layer, (6, 11), from its input X (3, 6) and G = dLoss/dlogits (3, 11)."""
    d = running_example_backward()
    X, G = d["decoder_output"], d["dlogits"]
    hint = "dW = Xᵀ G: (6 x 3)(3 x 11) = 6 x 11, the shape of W."
    arr = as_number_array(answer, "dW")
    if isinstance(arr, CheckResult):
        return arr
    known = {
        (V, 6): "that is (Xᵀ G)ᵀ = Gᵀ X, shaped like Wᵀ; a gradient has the shape of its parameter, 6 x 11.",
        (N, 6): "that is the shape of dX = G Wᵀ, the gradient for the layer's input; dW has W's shape, 6 x 11.",
        (V,): "that is the shape of the bias gradient (the column sums of G); dW has W's shape, 6 x 11.",
    }
    if arr.shape in known:
        return wrong(known[arr.shape], hint)
    if arr.shape == (6, V) and np.allclose(arr, X.T @ (G * N), atol=5e-5, rtol=0):
        return wrong("that is 3 times too large: G already includes the 1/N of the mean.", hint)
    return check_matrix(arr, d["dW"], "dW", hint, atol=5e-5,
                        what="dW = Xᵀ G, the same numbers the package accumulated in model.gradients().")


def expected_softmax_row() -> np.ndarray:
    """dLoss/dS for row "naneun" of head 1's cross-attention scores, (3,): p * (dp - dp . p)."""
    d = running_example_backward()
    p, dp = d["P"][ROW_QUERY], d["dP"][ROW_QUERY]
    return softmax_backward(dp, p)


def check_softmax_backward(answer) -> CheckResult:
    """Exercise 3: one row of the softmax backward, (3,), from p and dLoss/dp of that row."""
    d = running_example_backward()
    p, dp = d["P"][ROW_QUERY], d["dP"][ROW_QUERY]
    hint = "dS = p * (dp - sum(dp * p)): the sum couples each score to every weight of its row."
    mistakes = [
        (p * (1 - p) * dp, "that keeps only the diagonal p_i (1 - p_i) of the softmax Jacobian; each weight "
                           "also depends on the other scores of its row (-p_i p_j)."),
        (p * dp, "the term - sum(dp * p) is missing: raising one score lowers every other weight of the row."),
        (dp - dp @ p, "multiply by p at the end: dS = p * (dp - sum(dp * p))."),
        (dp, "that is dLoss/dp itself; push it through the softmax."),
    ]
    return check_matrix(answer, expected_softmax_row(), "the row", hint, atol=4e-5, mistakes=mistakes,
                        what="p * (dp - sum(dp * p)); like every row of dS it sums to 0, because adding one number "
                             "to all scores of a row leaves the softmax unchanged.")


def check_relu_backward(answer) -> CheckResult:
    """Exercise 4: the gradient through ReLU for `RELU_HIDDEN` and `RELU_DOUT` (5,)."""
    hint = "ReLU passes the gradient where its input was > 0 and blocks it elsewhere: dout * (hidden > 0)."
    mistakes = [
        (RELU_DOUT * (RELU_HIDDEN >= 0), "at an input of exactly 0 ReLU has no slope; the package and PyTorch "
                                        "use 0 there, so unit 2 gets no gradient."),
        (np.maximum(RELU_DOUT, 0), "the mask comes from the forward input (hidden > 0), not from the sign of the "
                                   "gradient."),
        (RELU_DOUT * np.maximum(RELU_HIDDEN, 0), "multiply by the slope of ReLU (0 or 1), not by its output."),
        (RELU_DOUT, "ReLU's slope is 0 where its input was negative: those units pass no gradient."),
    ]
    return check_matrix(answer, relu_backward(RELU_DOUT, RELU_HIDDEN), "the gradient", hint, atol=1e-9, mistakes=mistakes,
                        what="units 0 and 3 pass their gradient, units 1, 2 and 4 (input <= 0) pass nothing.")


# Exercise 5: attention's backward pass, written by the reader.

def attention_backward_with(dout, q, k, v, mask=None, diagonal_softmax=False, forget_scale=False,
                            untransposed_weights=False):
    """dq, dk, dv of sum(dout * attention(q, k, v, mask)) with one step changed, for the typical
    wrong versions of exercise 5: the softmax's Jacobian cut to its diagonal p (1 - p), the
    1 / sqrt(d_k) left out of dq and dk, and dv from the weights untransposed."""
    scale = 1.0 / np.sqrt(q.shape[-1])
    output, weights = scaled_dot_product_attention(q, k, v, mask)
    dweights = dout @ v.swapaxes(-1, -2)
    dscores = dweights * weights * (1 - weights) if diagonal_softmax else softmax_backward(dweights, weights)
    if not forget_scale:
        dscores = dscores * scale
    dv = (weights @ dout) if untransposed_weights else weights.swapaxes(-1, -2) @ dout
    return dscores @ k, dscores.swapaxes(-1, -2) @ q, dv


@lru_cache(maxsize=1)
def attention_backward_exercise() -> Exercise:
    """Exercise 5: `attention_backward(dout, q, k, v, mask=None) -> (dq, dk, dv)`."""
    from ..reference import torch_functions

    rng = np.random.default_rng(110)
    cases = (
        Case({"dout": rng.standard_normal((3, 6)), "q": rng.standard_normal((3, 6)), "k": rng.standard_normal((3, 6)),
              "v": rng.standard_normal((3, 6)), "mask": None}, "one head of the running example"),
        Case({"dout": rng.standard_normal((2, 4, 3)), "q": rng.standard_normal((2, 4, 3)),
              "k": rng.standard_normal((2, 4, 3)), "v": rng.standard_normal((2, 4, 3)),
              "mask": np.triu(np.ones((4, 4), dtype=bool), k=1)}, "2 heads with the causal mask"),
        Case({"dout": rng.standard_normal((2, 3, 2)), "q": rng.standard_normal((2, 3, 4)),
              "k": rng.standard_normal((2, 5, 4)), "v": rng.standard_normal((2, 5, 2)), "mask": None},
             "3 queries, 5 keys, values of width 2"),
    )

    def loss(dout, q, k, v, mask):
        return float((scaled_dot_product_attention(q, k, v, mask)[0] * dout).sum())

    return Exercise(
        function_name="attention_backward", outputs=("dq", "dk", "dv"), cases=cases,
        references=(
            Reference("autograd through torch.nn.functional.scaled_dot_product_attention",
                      torch_functions.attention_gradients),
            Reference("finite differences of the package's scaled_dot_product_attention",
                      finite_difference_gradients(loss, wrt=(1, 2, 3)), atol=1e-6, rtol=1e-5),
        ),
        mistakes=(
            Mistake(lambda dout, q, k, v, mask=None: attention_backward_with(dout, q, k, v, mask,
                                                                             diagonal_softmax=True),
                    "the softmax's backward keeps only p (1 - p): every score of a row moves every weight, so "
                    "dscores = p * (dweights - sum(dweights * p, over the row))."),
            Mistake(lambda dout, q, k, v, mask=None: attention_backward_with(dout, q, k, v, mask, forget_scale=True),
                    "dq and dk miss the 1 / sqrt(d_k) the scores were multiplied by."),
            Mistake(lambda dout, q, k, v, mask=None: attention_backward_with(dout, q, k, v, mask,
                                                                             untransposed_weights=True),
                    "dv = weightsᵀ dout: value j received weights[:, j], a column, so the weights are transposed."),
        ),
        hint="recompute weights; dweights = dout vᵀ; dscores = weights * (dweights - row sum of dweights * weights) "
             "/ sqrt(d_k); dq = dscores k, dk = dscoresᵀ q, dv = weightsᵀ dout.",
        success="the gradient flows through the softmax into queries and keys, and through the weights into values.",
    )


def check_attention_backward(function) -> CheckResult:
    """Exercise 5: the reader's `attention_backward(dout, q, k, v, mask=None)`."""
    return check_implementation(function, attention_backward_exercise())
