"""The checker of ``14_capstone.ipynb``: an encoder-decoder whose attention, layer norm,
feed-forward network and loss are the reader's own functions, trained beside the package's.

The reader's seven functions (attention and its backward, layer norm and its backward, the
feed-forward network and its backward, cross-entropy with its gradient) go into every layer of
a 2 + 2 layer Transformer through `Module.override`; the embeddings, the positional encoding,
the linear projections and the optimiser stay the package's. Both models start from the same
weights and take the same Adam steps on the same batches of a reversal task, so their loss
curves must agree step by step. Where they part, the checker replays every call of the
reader's functions of that step and the one before on the same inputs with the package's
layers, and names the first function whose output or gradient differs, with the diagnosis of
that function's own exercise (``nb03``, ``nb05``, ``nb10``, ``nb11``, or this module for the
feed-forward network)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from ..lessons import reversal
from ..model.attention import MultiHeadAttention, scaled_dot_product_attention
from ..model.config import TransformerConfig
from ..model.feed_forward import FeedForward, relu
from ..model.layer_norm import LayerNorm
from ..model.loss import CrossEntropyLoss
from ..model.transformer import Transformer
from ..training.loop import Batch, make_batch
from ..training.optim import Adam
from . import nb03, nb05, nb10, nb11
from .feedback import CheckResult, correct, wrong
from .implement import (
    Case,
    Exercise,
    Mistake,
    Reference,
    _as_outputs,
    _is_placeholder,
    _where_raised,
    check_implementation,
    finite_difference_gradients,
    random_case,
)

# The reader's functions, in the order the notebook asks for them, and where each was written.
WRITTEN_IN: dict[str, str] = {
    "attention": "chapter 03, exercise 5",
    "layer_norm": "chapter 05, exercise 5",
    "layer_norm_backward": "chapter 05, exercise 6",
    "feed_forward": "this notebook, chapter 06's network",
    "feed_forward_backward": "this notebook, its backward pass",
    "cross_entropy": "chapter 10, exercise 5",
    "attention_backward": "chapter 11, exercise 5",
}

# The names of what each function returns, in order.
OUTPUTS: dict[str, tuple[str, ...]] = {
    "attention": ("output", "weights"),
    "layer_norm": ("y",),
    "layer_norm_backward": ("dx", "dgamma", "dbeta"),
    "feed_forward": ("y",),
    "feed_forward_backward": ("dx", "dw1", "db1", "dw2", "db2"),
    "cross_entropy": ("loss", "dlogits"),
    "attention_backward": ("dq", "dk", "dv"),
}

# The task: reverse 4 content tokens of the reversal vocabulary (no padding, so the loss is a
# plain mean over every position), on a fresh batch of 16 sequences at each of 60 Adam steps.
SEQUENCE_LENGTH, BATCH_SIZE, STEPS, SEED = 4, 16, 60, 0
LEARNING_RATE, LABEL_SMOOTHING = 0.005, 0.1
# Two float64 runs of the same arithmetic in another order agree to about 1e-14 after 60 steps;
# any real mistake moves the loss by far more than this.
LOSS_RTOL = 1e-7


def capstone_config() -> TransformerConfig:
    """The paper's post-norm encoder-decoder at a small width: vocabulary 11 (the reversal task's),
    d_model 16, 2 heads, d_ff 32, 2 encoder and 2 decoder layers, float64, no padding."""
    return TransformerConfig(src_vocab_size=len(reversal.VOCAB), tgt_vocab_size=len(reversal.VOCAB), d_model=16,
                             num_heads=2, d_ff=32, num_encoder_layers=2, num_decoder_layers=2,
                             max_len=SEQUENCE_LENGTH + 1, dtype="float64")


def capstone_batches(steps: int = STEPS, seed: int = SEED) -> list[Batch]:
    """`steps` batches of `BATCH_SIZE` random sequences of `SEQUENCE_LENGTH` content tokens and
    their reversals: src (16, 4), tgt_in and tgt_out (16, 5)."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(steps):
        sources = rng.integers(reversal.FIRST_CONTENT_ID, len(reversal.VOCAB), size=(BATCH_SIZE, SEQUENCE_LENGTH))
        batches.append(make_batch(sources.tolist(), sources[:, ::-1].tolist(), reversal.PAD_ID, reversal.BOS_ID,
                                  reversal.EOS_ID))
    return batches


def library_losses(steps: int = STEPS, seed: int = SEED) -> np.ndarray:
    """The loss before each of `steps` Adam steps of the package's own model, (steps,). The run
    is made once per `steps` and `seed` (the chapter shows it, then `compare_training` compares
    with it); each call gets its own copy."""
    return _library_run(steps, seed).copy()


@lru_cache(maxsize=4)
def _library_run(steps: int, seed: int) -> np.ndarray:
    model = Transformer(capstone_config(), seed=seed)
    optimizer, criterion = Adam(model, lr=LEARNING_RATE), CrossEntropyLoss(label_smoothing=LABEL_SMOOTHING)
    losses = []
    for batch in capstone_batches(steps, seed):
        losses.append(criterion.forward(model.forward(batch.src, batch.tgt_in), batch.tgt_out))
        model.zero_grad()
        model.backward(criterion.backward())
        optimizer.step()
    return np.array(losses)


# -- the feed-forward network, written in the capstone ------------------------------------------

def _package_feed_forward_layer(w1, b1, w2, b2=None) -> FeedForward:
    layer = FeedForward(w1.shape[0], w1.shape[1], np.random.default_rng(0))
    layer.linear1.weight[...], layer.linear1.bias[...], layer.linear2.weight[...] = w1, b1, w2
    if b2 is not None:
        layer.linear2.bias[...] = b2
    return layer


def _package_feed_forward(x, w1, b1, w2, b2):
    return _package_feed_forward_layer(w1, b1, w2, b2).forward(x)


def _package_feed_forward_backward(dout, x, w1, b1, w2):
    layer = _package_feed_forward_layer(w1, b1, w2)
    layer.forward(x)
    dx = layer.backward(dout)
    grads = layer.gradients()
    return dx, grads["linear1.weight"], grads["linear1.bias"], grads["linear2.weight"], grads["linear2.bias"]


def feed_forward_with(x, w1, b1, w2, b2, relu_after_second=False, no_relu=False):
    """The feed-forward network with one step changed, for the typical wrong versions: no ReLU,
    or the ReLU after the second layer instead of between the two."""
    hidden = x @ w1 + b1
    if relu_after_second:
        return relu(hidden @ w2 + b2)
    return (hidden if no_relu else relu(hidden)) @ w2 + b2


def feed_forward_backward_with(dout, x, w1, b1, w2, mask_from_gradient=False, no_mask=False,
                               per_token_bias=False):
    """dx, dw1, db1, dw2, db2 with one step changed: the ReLU's mask taken from the gradient
    instead of the forward input, the mask left out, or the bias gradients not summed over tokens."""
    hidden = x @ w1 + b1
    d_activated = dout @ w2.T
    if no_mask:
        d_hidden = d_activated
    elif mask_from_gradient:
        d_hidden = d_activated * (d_activated > 0)
    else:
        d_hidden = d_activated * (hidden > 0)
    rows_x, rows_a = x.reshape(-1, x.shape[-1]), relu(hidden).reshape(-1, w1.shape[1])
    rows_dh, rows_dout = d_hidden.reshape(-1, w1.shape[1]), dout.reshape(-1, w2.shape[1])
    db1, db2 = (d_hidden, dout) if per_token_bias else (rows_dh.sum(axis=0), rows_dout.sum(axis=0))
    return d_hidden @ w1.T, rows_x.T @ rows_dh, db1, rows_a.T @ rows_dout, db2


def _feed_forward_cases(seed: int, with_dout: bool) -> tuple[Case, ...]:
    shapes = ({"x": (3, 6), "w1": (6, 24), "b1": (24,), "w2": (24, 6), "b2": (6,)},
              {"x": (2, 4, 5), "w1": (5, 8), "b1": (8,), "w2": (8, 5), "b2": (5,)})
    labels = ("the running example's 3 tokens (d_model 6, d_ff 24)", "2 sequences of 4 tokens (d_model 5, d_ff 8)")
    cases = []
    for i, (shape, label) in enumerate(zip(shapes, labels, strict=True)):
        if with_dout:
            shape = {"dout": shape["x"], **{k: v for k, v in shape.items() if k != "b2"}}
        cases.append(random_case(seed + i, label, **shape))
    return tuple(cases)


@lru_cache(maxsize=1)
def feed_forward_exercise() -> Exercise:
    """`feed_forward(x, w1, b1, w2, b2) -> y`: ReLU(x w1 + b1) w2 + b2, x (..., d_model)."""
    from ..reference import torch_functions

    return Exercise(
        function_name="feed_forward", outputs=("y",), cases=_feed_forward_cases(140, with_dout=False),
        references=(Reference("the package's FeedForward", _package_feed_forward),
                    Reference("torch.nn.functional.linear and relu", torch_functions.feed_forward)),
        mistakes=(
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, no_relu=True),
                    "the ReLU is missing: without it the two layers are one linear map."),
            Mistake(lambda x, w1, b1, w2, b2: feed_forward_with(x, w1, b1, w2, b2, relu_after_second=True),
                    "the ReLU comes after the second layer: it goes between the two, on x w1 + b1."),
            Mistake(lambda x, w1, b1, w2, b2: relu(x @ w1) @ w2 + b2,
                    "b1 is missing: the hidden layer is ReLU(x w1 + b1)."),
        ),
        hint="hidden = x @ w1 + b1; ReLU is np.maximum(hidden, 0); then @ w2 + b2.",
        success="each token goes through the same two layers with a ReLU between them.",
    )


@lru_cache(maxsize=1)
def feed_forward_backward_exercise() -> Exercise:
    """`feed_forward_backward(dout, x, w1, b1, w2) -> (dx, dw1, db1, dw2, db2)`."""
    from ..reference import torch_functions

    def loss(dout, x, w1, b1, w2):
        return float((feed_forward_with(x, w1, b1, w2, np.zeros(w2.shape[1])) * dout).sum())

    numeric = finite_difference_gradients(loss, wrt=(1, 2, 3, 4))
    return Exercise(
        function_name="feed_forward_backward", outputs=("dx", "dw1", "db1", "dw2", "db2"),
        cases=_feed_forward_cases(150, with_dout=True),
        references=(
            Reference("the package's FeedForward.backward", _package_feed_forward_backward),
            Reference("autograd through torch.nn.functional.linear and relu", torch_functions.feed_forward_gradients),
            Reference("finite differences", lambda dout, x, w1, b1, w2: (*numeric(dout, x, w1, b1, w2), None),
                      atol=1e-5, rtol=1e-4),
        ),
        mistakes=(
            Mistake(lambda *a: feed_forward_backward_with(*a, no_mask=True),
                    "the gradient passes the ReLU everywhere: it passes only where the hidden value x w1 + b1 "
                    "was > 0."),
            Mistake(lambda *a: feed_forward_backward_with(*a, mask_from_gradient=True),
                    "the ReLU's mask comes from the gradient's sign; it comes from the forward input, "
                    "x w1 + b1 > 0."),
            Mistake(lambda *a: feed_forward_backward_with(*a, per_token_bias=True),
                    "the bias gradients are per token: a bias is shared by every token, so sum over all axes "
                    "but the last."),
        ),
        hint="recompute hidden = x @ w1 + b1; dw2 = ReLU(hidden)ᵀ dout and db2 = sum of dout over the tokens; "
             "d_hidden = (dout @ w2.T) * (hidden > 0); dw1 = xᵀ d_hidden, db1 its sum; dx = d_hidden @ w1.T "
             "(reshape to one token a row before the products xᵀ ...).",
        success="the gradient flows back through both layers and the ReLU's mask.",
    )


def check_feed_forward(function) -> CheckResult:
    """The reader's `feed_forward(x, w1, b1, w2, b2)`."""
    return check_implementation(function, feed_forward_exercise())


def check_feed_forward_backward(function) -> CheckResult:
    """The reader's `feed_forward_backward(dout, x, w1, b1, w2)`."""
    return check_implementation(function, feed_forward_backward_exercise())


# -- the package's version of each function, what a recorded call is compared with --------------

LIBRARY: dict[str, Reference] = {
    "attention": Reference("the package's scaled_dot_product_attention", scaled_dot_product_attention),
    "attention_backward": Reference("the package's MultiHeadAttention.backward steps", nb11.attention_backward_with),
    "layer_norm": Reference("the package's LayerNorm", nb05._package_layer_norm),
    "layer_norm_backward": Reference("the package's LayerNorm.backward", nb05._package_layer_norm_backward),
    "feed_forward": Reference("the package's FeedForward", _package_feed_forward),
    "feed_forward_backward": Reference("the package's FeedForward.backward", _package_feed_forward_backward),
    "cross_entropy": Reference("the package's CrossEntropyLoss", nb10._package_cross_entropy),
}

EXERCISES: dict[str, Callable[[], Exercise]] = {
    "attention": nb03.attention_exercise,
    "attention_backward": nb11.attention_backward_exercise,
    "layer_norm": nb05.layer_norm_exercise,
    "layer_norm_backward": nb05.layer_norm_backward_exercise,
    "feed_forward": feed_forward_exercise,
    "feed_forward_backward": feed_forward_backward_exercise,
    "cross_entropy": nb10.cross_entropy_exercise,
}


# -- the reader's functions inside the model ----------------------------------------------------

@dataclass(frozen=True)
class Call:
    """One call of a reader's function during training: the step, the function's name, where in
    the model (``decoder.layers.1.cross_attn``, or ``loss``), and copies of the inputs."""

    step: int
    function: str
    place: str
    inputs: dict[str, object]


class _ReaderRaised(Exception):
    """A reader's function raised `error` during `call`."""

    def __init__(self, call: Call, error: Exception):
        super().__init__(f"{call.function} raised {error!r}")
        self.call, self.error = call, error


class _ReaderReturned(Exception):
    """A reader's function returned something the model cannot use (None, too few values)."""

    def __init__(self, call: Call):
        super().__init__(f"{call.function} returned the wrong kind of result")
        self.call = call


@dataclass
class _Recorder:
    """Calls the reader's functions and keeps the calls of the current and the previous step."""

    functions: dict[str, Callable]
    step: int = 0
    calls: list[Call] = field(default_factory=list)

    def next_step(self) -> None:
        self.step += 1
        self.calls = [c for c in self.calls if c.step == self.step - 1]

    def __call__(self, name: str, place: str, **inputs):
        call = Call(self.step, name, place, {k: v.copy() if isinstance(v, np.ndarray) else v
                                             for k, v in inputs.items()})
        self.calls.append(call)
        try:
            with np.errstate(all="ignore"):
                result = self.functions[name](*Case(call.inputs).fresh_inputs())
        except Exception as error:  # noqa: BLE001 (the reader's code may raise anything; it is reported)
            raise _ReaderRaised(call, error) from error
        if isinstance(_as_outputs(result, OUTPUTS[name]), str):  # None, or too few values
            raise _ReaderReturned(call)
        return result


def _heads(x: np.ndarray, num_heads: int) -> np.ndarray:
    b, t, d = x.shape  # (B, T, d_model) -> (B, h, T, d_k)
    return x.reshape(b, t, num_heads, d // num_heads).transpose(0, 2, 1, 3)


def _joined(x: np.ndarray) -> np.ndarray:
    b, h, t, d_k = x.shape  # (B, h, T, d_k) -> (B, T, h d_k)
    return x.transpose(0, 2, 1, 3).reshape(b, t, h * d_k)


def _overrides(model: Transformer, call: _Recorder) -> list[tuple[type, dict[str, Callable]]]:
    """For each layer class, the steps that run the reader's functions instead of the package's."""
    places = {id(module): name for name, module in model.named_modules()}
    kept: dict[int, tuple] = {}  # each layer's forward inputs, for its backward

    def attention_forward(layer, query, key_value, mask=None):
        q, k, v = (_heads(w.forward(x), layer.num_heads)
                   for w, x in ((layer.w_q, query), (layer.w_k, key_value), (layer.w_v, key_value)))
        kept[id(layer)] = (q, k, v, mask)
        output, _ = call("attention", places[id(layer)], q=q, k=k, v=v, mask=mask)
        return layer.w_o.forward(_joined(output))

    def attention_backward(layer, dout):
        q, k, v, mask = kept[id(layer)]
        dheads = _heads(layer.w_o.backward(dout), layer.num_heads)
        dq, dk, dv = call("attention_backward", places[id(layer)], dout=dheads, q=q, k=k, v=v, mask=mask)
        return layer.w_q.backward(_joined(dq)), layer.w_k.backward(_joined(dk)) + layer.w_v.backward(_joined(dv))

    def norm_forward(norm, x):
        kept[id(norm)] = x
        return call("layer_norm", places[id(norm)], x=x, gamma=norm.gamma, beta=norm.beta, eps=norm.eps)

    def norm_backward(norm, dout):
        dx, dgamma, dbeta = call("layer_norm_backward", places[id(norm)], dout=dout, x=kept[id(norm)],
                                 gamma=norm.gamma, eps=norm.eps)
        grads = norm.gradients()
        grads["gamma"] += dgamma
        grads["beta"] += dbeta
        return dx

    def ffn_forward(ffn, x):
        kept[id(ffn)] = x
        return call("feed_forward", places[id(ffn)], x=x, w1=ffn.linear1.weight, b1=ffn.linear1.bias,
                    w2=ffn.linear2.weight, b2=ffn.linear2.bias)

    def ffn_backward(ffn, dout):
        dx, dw1, db1, dw2, db2 = call("feed_forward_backward", places[id(ffn)], dout=dout, x=kept[id(ffn)],
                                      w1=ffn.linear1.weight, b1=ffn.linear1.bias, w2=ffn.linear2.weight)
        for linear, dw, db in ((ffn.linear1, dw1, db1), (ffn.linear2, dw2, db2)):
            grads = linear.gradients()
            grads["weight"] += dw
            grads["bias"] += db
        return dx

    return [(MultiHeadAttention, {"forward": attention_forward, "backward": attention_backward}),
            (LayerNorm, {"forward": norm_forward, "backward": norm_backward}),
            (FeedForward, {"forward": ffn_forward, "backward": ffn_backward})]


def _train_step_with(model: Transformer, optimizer: Adam, call: _Recorder, batch: Batch) -> float:
    """One Adam step of `model`, whose layers already run the reader's functions, with the
    reader's cross-entropy as the loss. Returns the loss before the update."""
    logits = model.forward(batch.src, batch.tgt_in)  # (B, T, V)
    vocab = logits.shape[-1]
    loss, dlogits = call("cross_entropy", "loss", logits=logits.reshape(-1, vocab),
                         targets=batch.tgt_out.reshape(-1), label_smoothing=LABEL_SMOOTHING)
    model.zero_grad()
    model.backward(np.asarray(dlogits).reshape(logits.shape))
    optimizer.step()
    return float(loss)


# -- the comparison -----------------------------------------------------------------------------

@dataclass(frozen=True)
class CapstoneRun:
    """Both loss curves (the reader's may stop early, at an error) and the verdict."""

    library_losses: np.ndarray
    your_losses: np.ndarray
    verdict: CheckResult


def compare_training(**functions: Callable) -> CapstoneRun:
    """Train the package's model and the model built from the reader's `functions` (keyword
    arguments named as in `WRITTEN_IN`) from the same weights on the same batches, and say
    whether their losses agree at every step and, if not, which function is the first to differ."""
    missing = [name for name in WRITTEN_IN if name not in functions]
    unknown = [name for name in functions if name not in WRITTEN_IN]
    if missing or unknown:
        raise TypeError(f"compare_training needs exactly the functions {list(WRITTEN_IN)}; "
                        f"missing {missing}, unknown {unknown}")
    ours = library_losses()
    not_written = [name for name in WRITTEN_IN
                   if functions[name] is None or functions[name] is Ellipsis or _is_placeholder(functions[name])]
    if not_written:
        return CapstoneRun(ours, np.array([]), _not_attempted(not_written))

    model = Transformer(capstone_config(), seed=SEED)
    optimizer, call = Adam(model, lr=LEARNING_RATE), _Recorder(dict(functions))
    yours: list[float] = []
    try:
        with _override_all(model, call):
            for step, batch in enumerate(capstone_batches()):
                yours.append(_train_step_with(model, optimizer, call, batch))
                if not _close(yours[-1], ours[step]):
                    return CapstoneRun(ours, np.array(yours), _parted(call, step, yours[-1], ours[step]))
                call.next_step()
    except _ReaderRaised as raised:
        return CapstoneRun(ours, np.array(yours), _raised(call, raised))
    except _ReaderReturned as returned:
        return CapstoneRun(ours, np.array(yours), _named(returned.call, check_implementation(
            call.functions[returned.call.function], _exercise_on(returned.call))))
    except Exception as error:  # noqa: BLE001 (an answer of the wrong shape fails in the package's code)
        return CapstoneRun(ours, np.array(yours), _failed(call, error))
    last = _first_wrong_call(call)  # the losses agree: still replay the last two steps
    if last is not None:
        return CapstoneRun(ours, np.array(yours), last[1])
    return CapstoneRun(ours, np.array(yours), correct(
        f"your seven functions train the encoder-decoder as the package's layers do: at each of the {STEPS} "
        f"steps your loss equals the package's to a relative {LOSS_RTOL:.0e}, and every call of the last two "
        "steps gives the package's outputs and gradients."))


def check_capstone(**functions: Callable) -> CheckResult:
    """The verdict of `compare_training` on the reader's seven functions."""
    return compare_training(**functions).verdict


def _override_all(model: Transformer, call: _Recorder):
    """Every attention, layer norm and feed-forward network of `model` running the reader's
    functions, until the returned stack is closed."""
    stack = ExitStack()
    for kind, steps in _overrides(model, call):
        stack.enter_context(model.override(kind, **steps))
    return stack


def _close(yours: float, ours: float) -> bool:
    return bool(np.isfinite(yours)) and abs(yours - ours) <= LOSS_RTOL * abs(ours)


def _describe(call: Call) -> str:
    where = "the loss" if call.place == "loss" else call.place
    return f"step {call.step}, {where}"


def _exercise_on(call: Call) -> Exercise:
    """The function's exercise with this call's inputs as its one case and the package's version
    as its one reference: what `check_implementation` needs to judge this call alone."""
    return replace(EXERCISES[call.function](), cases=(Case(call.inputs, _describe(call)),),
                   references=(LIBRARY[call.function],))


def _first_wrong_call(recorder: _Recorder) -> tuple[Call, CheckResult] | None:
    """The first kept call (in the order they ran) whose outputs differ from the package's on the
    same inputs, with the verdict of its exercise on exactly those inputs."""
    for call in recorder.calls:
        result = check_implementation(recorder.functions[call.function], _exercise_on(call))
        if not result.passed:
            return call, _named(call, result)
    return None


def _named(call: Call, result: CheckResult) -> CheckResult:
    detail = result.message.removeprefix("Not yet: ")
    return wrong(f"the first function that differs from the package's is `{call.function}` (from "
                 f"{WRITTEN_IN[call.function]}): {detail}")


def _parted(recorder: _Recorder, step: int, yours: float, ours: float) -> CheckResult:
    found = _first_wrong_call(recorder)
    parted = f"the loss curves part at step {step} (yours {yours:.9g}, the package's {ours:.9g})"
    if found is None:
        return wrong(parted + ", although every call of your functions in this step and the one before gives the "
                              "package's outputs on its inputs: does a function keep something between calls?")
    message = found[1].message.removeprefix("Not yet: ")
    return CheckResult(False, f"Not yet: {parted}; {message}")


def _raised(recorder: _Recorder, raised: _ReaderRaised) -> CheckResult:
    call, error = raised.call, raised.error
    function = recorder.functions[call.function]
    if isinstance(error, NotImplementedError):
        return _not_attempted([call.function])
    return wrong(f"`{call.function}` raised {type(error).__name__}: {error} {_where_raised(error, function)}, "
                 f"at {_describe(call)}.", EXERCISES[call.function]().hint)


def _failed(recorder: _Recorder, error: Exception) -> CheckResult:
    found = _first_wrong_call(recorder)
    if found is not None:
        return found[1]
    return wrong(f"training stopped at step {recorder.step} with {type(error).__name__}: {error}")


def _not_attempted(names: list[str]) -> CheckResult:
    where = "; ".join(f"`{name}` (from {WRITTEN_IN[name]})" for name in names)
    return CheckResult(False, f"Not attempted yet: write the body of {where}, or paste your earlier answer, "
                              "and run its cell and this one again.")


__all__ = ["STEPS", "WRITTEN_IN", "CapstoneRun", "Call", "capstone_batches", "capstone_config", "check_capstone",
           "check_feed_forward", "check_feed_forward_backward", "compare_training", "feed_forward_backward_exercise",
           "feed_forward_exercise", "library_losses"]
