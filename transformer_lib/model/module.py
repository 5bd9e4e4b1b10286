"""`Module`: the small base class every layer with parameters builds on.

A module owns named parameters (NumPy arrays) with a gradient array of the same shape beside
each one, and may hold child modules as attributes. Names are dotted paths such as
``encoder.layers.0.self_attn.w_q.weight``, the same convention as PyTorch's ``state_dict``.

Each layer's ``forward`` keeps what its ``backward`` needs in ``self._cache``; ``backward``
adds (``+=``) into the parameter gradients, so gradients of a parameter used twice add up.
A layer may also record named intermediates in ``self._trace`` for the notebooks to display.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np


class Module:
    """Base class: named parameters, their gradients, child modules and a teaching trace."""

    def __init__(self) -> None:
        self._params: dict[str, np.ndarray] = {}
        self._grads: dict[str, np.ndarray] = {}
        self._children: dict[str, Module] = {}
        self._trace: dict[str, np.ndarray] = {}

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
        pairs = [(module, name) for _, module in self.named_modules() for name in module._params]
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
        self._flat = (flat_params, flat_grads)

    def parameter_buffers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """(parameter, gradient) array pairs covering every parameter once: a single pair after
        `flatten_parameters`, else one pair per parameter. What optimisers iterate over."""
        flat = self.__dict__.get("_flat")
        if flat is not None:
            return [flat]
        params, grads = self.parameters(), self.gradients()
        return [(params[name], grads[name]) for name in params]

    # -- teaching trace -----------------------------------------------------------------------
    def trace(self) -> dict[str, np.ndarray]:
        """Named intermediates of the last forward pass, by dotted name (e.g.
        ``encoder.layers.0.self_attn.weights``). Shapes are documented by each layer."""
        return self._by_dotted_name("_trace")

    # -- state --------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every parameter by dotted name."""
        return {name: value.copy() for name, value in self.parameters().items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        """Copy `state` into the parameters. Every key must be present with the right shape;
        on any mismatch nothing is changed and a ValueError says what is wrong."""
        params = self.parameters()
        missing = sorted(set(params) - set(state))
        unexpected = sorted(set(state) - set(params))
        if missing or unexpected:
            raise ValueError(
                f"state_dict does not fit the model: missing keys {missing[:5]}"
                f"{' ...' if len(missing) > 5 else ''}, unexpected keys {unexpected[:5]}"
                f"{' ...' if len(unexpected) > 5 else ''}"
            )
        for name, value in params.items():
            new = np.asarray(state[name])
            if new.shape != value.shape:
                raise ValueError(
                    f"state_dict[{name!r}] has shape {new.shape}, expected {value.shape}"
                )
            if not (np.issubdtype(new.dtype, np.floating) or np.issubdtype(new.dtype, np.integer)):
                raise ValueError(f"state_dict[{name!r}] has dtype {new.dtype}, expected real numbers")
            if not np.all(np.isfinite(new)):
                raise ValueError(f"state_dict[{name!r}] contains NaN or inf")
        for name, value in params.items():
            value[...] = state[name]

    @property
    def dtype(self) -> np.dtype:
        """The floating-point type of the parameters."""
        return next(iter(self.parameters().values())).dtype


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
