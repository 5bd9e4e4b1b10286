"""`Module`: the small base class every layer with parameters builds on.

A module owns named parameters (NumPy arrays) with a gradient array of the same shape beside
each one, and may hold child modules as attributes. Names are dotted paths such as
``encoder.layers.0.self_attn.w_q.weight``, the same convention as PyTorch's ``state_dict``.

Each layer's ``forward`` keeps what its ``backward`` needs in ``self._cache``; ``backward``
adds (``+=``) into the parameter gradients, so gradients of a parameter used twice add up.
A layer may also record named intermediates in ``self._trace`` for the notebooks to display.

Swapping a step for your own. `Module.override` replaces, for the length of a ``with`` block, a
layer's ``forward`` or ``backward`` (or a step a layer names in ``overridable``, such as the
attention's ``softmax_backward``) by a function of yours; everything else runs as before, and the
layer's own code comes back when the block ends, even after an error::

    def backward_without_statistics(norm, dout):       # written like a method: the layer first
        return dout * norm.gamma / norm.trace()["std"]

    with model.override(LayerNorm, backward=backward_without_statistics):
        model.backward(dlogits)                        # every LayerNorm of the model uses it

This is how chapter 11's deliberately wrong backward passes, and the functions a reader writes in
the exercises, are put into a whole model.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np


class Module:
    """Base class: named parameters, their gradients, child modules and a teaching trace."""

    overridable: tuple[str, ...] = ("forward", "backward")  # the steps `override` may replace

    def __init__(self) -> None:
        self._params: dict[str, np.ndarray] = {}
        self._grads: dict[str, np.ndarray] = {}
        self._children: dict[str, Module] = {}
        self._trace: dict[str, np.ndarray] = {}
        self._tied: dict[str, tuple[Module, str, bool]] = {}
        self.training = True  # `train` and `eval` switch it; `Dropout` reads it

    # -- registration -------------------------------------------------------------------------
    def add_parameter(self, name: str, value: np.ndarray) -> np.ndarray:
        """Register `value` as a parameter called `name`, with a zero gradient beside it."""
        self._params[name] = value
        self._grads[name] = np.zeros_like(value)
        return value

    def add_module(self, name: str, module: Module) -> Module:
        """Register a child module, reachable as ``self.<name>`` and by its dotted prefix."""
        self._children[name] = module
        object.__setattr__(self, name, module)
        return module

    def tie_parameter(self, name: str, owner: Module, owner_name: str, transpose: bool = False) -> None:
        """Use `owner`'s parameter `owner_name` (transposed if `transpose`) as this module's
        parameter `name`, in place of its own: both read the same numbers, and this module's
        backward adds into the owner's gradient, so the gradient is the sum over every use.
        `parameters` and `gradients` list the array once, under the owner's name."""
        if name not in self._params:
            raise ValueError(f"{type(self).__name__} has no parameter {name!r} to tie: expected one of {list(self._params)}")
        shape = owner._params[owner_name].shape
        if (shape[::-1] if transpose else shape) != self._params[name].shape:
            raise ValueError(f"cannot tie {name!r} of shape {self._params[name].shape} to {owner_name!r} of shape "
                             f"{shape}{' transposed' if transpose else ''}: expected the same shape")
        self._tied[name] = (owner, owner_name, transpose)
        self._bind_tied()

    def _bind_tied(self) -> None:
        """Point each tied parameter and its gradient at (a view of) the owner's current arrays."""
        for name, (owner, owner_name, transpose) in self._tied.items():
            value, grad = owner._params[owner_name], owner._grads[owner_name]
            self._params[name], self._grads[name] = (value.T, grad.T) if transpose else (value, grad)

    def __getattr__(self, name: str) -> np.ndarray:
        # Only called when normal lookup fails: expose parameters as attributes (layer.weight).
        params = self.__dict__.get("_params", {})
        if name in params:
            return params[name]
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")

    # -- walking the tree ---------------------------------------------------------------------
    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """Yield ``(dotted_name, module)`` for this module and every descendant."""
        yield prefix, self
        for child_name, child in self._children.items():
            yield from child.named_modules(f"{prefix}.{child_name}" if prefix else child_name)

    def _by_dotted_name(self, attribute: str) -> dict[str, np.ndarray]:
        """The arrays of every module's dict `attribute` (``_params``, ``_grads`` or ``_trace``),
        keyed by the module's dotted prefix and the array's name."""
        return {
            f"{prefix}.{name}" if prefix else name: value
            for prefix, module in self.named_modules()
            for name, value in getattr(module, attribute).items()
            if attribute == "_trace" or name not in module._tied  # a tied parameter is its owner's
        }

    def parameters(self) -> dict[str, np.ndarray]:
        """Every parameter by dotted name. The arrays are the live ones: update them in place."""
        return self._by_dotted_name("_params")

    def gradients(self) -> dict[str, np.ndarray]:
        """Every parameter's gradient by the same dotted names as `parameters`."""
        return self._by_dotted_name("_grads")

    def num_parameters(self) -> int:
        """Total number of scalar parameters."""
        return sum(p.size for p in self.parameters().values())

    def zero_grad(self) -> None:
        """Set every gradient to zero (in place)."""
        for _, grad in self.parameter_buffers():
            grad.fill(0.0)

    def flatten_parameters(self) -> None:
        """Move every parameter, and every gradient, into one contiguous array, leaving each
        named parameter a view into it. Values and names are unchanged; optimisers then update
        all parameters with a few whole-array operations instead of one loop step per tensor."""
        pairs = [(module, name) for _, module in self.named_modules() for name in module._params
                 if name not in module._tied]
        total = sum(module._params[name].size for module, name in pairs)
        flat_params = np.empty(total, dtype=self.dtype)
        flat_grads = np.zeros(total, dtype=self.dtype)
        offset = 0
        for module, name in pairs:
            value = module._params[name]
            end = offset + value.size
            module._params[name] = flat_params[offset:end].reshape(value.shape)
            module._params[name][...] = value
            module._grads[name] = flat_grads[offset:end].reshape(value.shape)
            offset = end
        for _, module in self.named_modules():
            module._bind_tied()
        self._flat = (flat_params, flat_grads)

    def parameter_buffers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(parameter, gradient) array pairs covering every parameter once: a single pair after
        `flatten_parameters`, else one pair per parameter. What optimisers iterate over."""
        flat = self.__dict__.get("_flat")
        if flat is not None:
            return [flat]
        params, grads = self.parameters(), self.gradients()
        return [(params[name], grads[name]) for name in params]

    # -- training and evaluation ------------------------------------------------------------------
    def train(self, mode: bool = True) -> Module:
        """Put this module and every descendant in training mode (`mode` True: dropout draws
        masks) or evaluation mode (False: dropout passes its input through). Returns self."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"mode must be True (training) or False (evaluation), got {mode!r}")
        for _, module in self.named_modules():
            module.training = bool(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode for this module and every descendant: ``train(False)``. Returns self."""
        return self.train(False)

    # -- teaching trace -----------------------------------------------------------------------
    def trace(self) -> dict[str, np.ndarray]:
        """Named intermediates of the last forward pass, by dotted name (e.g.
        ``encoder.layers.0.self_attn.weights``). Shapes are documented by each layer."""
        return self._by_dotted_name("_trace")

    # -- swapping a step ----------------------------------------------------------------------
    @contextmanager
    def override(self, kind: type[Module] | None = None, **steps: Callable) -> Iterator[Module]:
        """Within the ``with`` block, this module (or, given `kind`, every module of that class in
        this module's tree, itself included) runs the given functions instead of its own steps:
        ``model.override(LayerNorm, backward=my_backward)``. The step names are those in the
        class's ``overridable``. Each function is called as the step it replaces: a method's
        replacement gets the layer first, ``def backward(layer, dout)``; a plain function's (the
        attention's ``softmax_backward(dout, probs)``) the same arguments as that function.
        Nested blocks stack; leaving a block, even by an error, restores what was there before.
        Yields this module."""
        if kind is not None and not (isinstance(kind, type) and issubclass(kind, Module)):
            raise TypeError(f"kind must be a Module class such as LayerNorm, got {kind!r}")
        if not steps:
            raise ValueError("override needs at least one step, e.g. override(backward=my_backward)")
        targets = [self] if kind is None else [m for _, m in self.named_modules() if isinstance(m, kind)]
        if not targets:
            raise ValueError(f"{type(self).__name__} contains no {kind.__name__}: nothing to override")
        for name, function in steps.items():
            for module in targets:
                if name not in module.overridable:
                    raise ValueError(f"{name!r} is not a step of {type(module).__name__} that can be overridden: "
                                     f"expected one of {list(module.overridable)}")
            if not callable(function):
                raise TypeError(f"{name} must be a function, got {function!r}")
        saved = [(module, name, module.__dict__.get(name, _ABSENT)) for module in targets for name in steps]
        try:
            for module, name, _ in saved:
                module.__dict__[name] = _as_step(module, name, steps[name])
            yield self
        finally:
            for module, name, previous in reversed(saved):
                if previous is _ABSENT:
                    del module.__dict__[name]
                else:
                    module.__dict__[name] = previous

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter by dotted name."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy `state` into the parameters, converted to their dtype. Every key must be present
        with the right shape and finite after the conversion (1e39 is inf in float32); on any
        mismatch nothing is changed and a ValueError says what is wrong."""
        params = self.parameters()
        missing = sorted(set(params) - set(state))
        unexpected = sorted(set(state) - set(params))
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not fit the model: missing keys {missing[:5]}"
                f"{' ...' if len(missing) > 5 else ''}, unexpected keys {unexpected[:5]}"
                f"{' ...' if len(unexpected) > 5 else ''}"
            )
        converted = {}
        for name, value in params.items():
            new = np.asarray(state[name])
            if new.shape != value.shape:
                raise ValueError(
                    f"state_dict[{name!r}] has shape {new.shape}, expected {value.shape}"
                )
            if not (np.issubdtype(new.dtype, np.floating) or np.issubdtype(new.dtype, np.integer)):
                raise ValueError(f"state_dict[{name!r}] has dtype {new.dtype}, expected real numbers")
            with np.errstate(over="ignore", invalid="ignore"):  # an overflow is reported below, by name
                converted[name] = new.astype(value.dtype)
            if not np.all(np.isfinite(converted[name])):
                index = tuple(int(i) for i in np.argwhere(~np.isfinite(converted[name]))[0])
                if not np.isfinite(new[index]):
                    raise ValueError(f"state_dict[{name!r}] contains NaN or inf ({new[index]} at index {index}): "
                                     "expected finite numbers")
                raise ValueError(
                    f"state_dict[{name!r}] holds {new[index]} at index {index}, which is "
                    f"{converted[name][index]} in {value.dtype}: expected numbers of size at most "
                    f"{np.finfo(value.dtype).max:.3g}, the largest finite {value.dtype}"
                )
        for name, value in params.items():
            value[...] = converted[name]

    @property
    def dtype(self) -> np.dtype:
        """The floating-point type of the parameters."""
        return next(iter(self.parameters().values())).dtype


_ABSENT = object()  # marks "no instance attribute of that name before the override"


def _as_step(module: Module, name: str, function: Callable) -> Callable:
    """`function` ready to stand where ``module.<name>`` was found: bound to the module when the
    class defines that step as a method, as it is when the step is a static function."""
    if isinstance(inspect.getattr_static(type(module), name), staticmethod):
        return function
    return types.MethodType(function, module)


class ModuleList(Module):
    """Holds a list of modules under the names 0, 1, 2, ... (like ``torch.nn.ModuleList``)."""

    def __init__(self, modules: list[Module]):
        super().__init__()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._children.values())

    def __len__(self) -> int:
        return len(self._children)

    def __getitem__(self, index: int) -> Module:
        return list(self._children.values())[index]
