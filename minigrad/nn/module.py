"""Module, Parameter and Sequential: how layers hold their weights.

A Module registers what is assigned to it: a `Parameter` (a weight to train),
another Module (a child), or a buffer (state that is saved but not trained,
such as batch norm's running statistics). From that registry come
`parameters()`, `state_dict()` with PyTorch's dotted key names
(`layer1.0.conv1.weight`), `load_state_dict()`, `train()`/`eval()` and `to()`.
"""
from collections import OrderedDict

import numpy as np

from .. import backend
from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that requires grad and is registered when assigned to a Module."""

    def __init__(self, data, requires_grad=True):
        data = data.data if isinstance(data, Tensor) else data
        super().__init__(data, requires_grad=requires_grad, dtype=getattr(data, "dtype", None))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class RemovableHandle:
    """Returned by register_forward_hook; `remove()` takes the hook away."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


class Module:
    """Base class of every layer and model: override `forward`, call the module."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration -------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        if name in self._buffers and (value is None or isinstance(value, Tensor)) and not isinstance(value, Parameter):
            self._buffers[name] = value  # re-assigning a buffer keeps it a buffer
            object.__setattr__(self, name, value)
            return
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array):
        """State that belongs to the module and its state_dict but is not trained."""
        buffer = Tensor(array, dtype=getattr(array, "dtype", None)) if array is not None else None
        object.__setattr__(self, name, buffer)
        self._buffers[name] = buffer

    def register_forward_hook(self, hook):
        """Call hook(module, inputs, output) after every forward: a way to look at activations."""
        key = object()
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    # ---- running --------------------------------------------------------------------------
    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *inputs, **kwargs):
        output = self.forward(*inputs, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, inputs, output)
            if result is not None:
                output = result
        return output

    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    # ---- walking the tree -----------------------------------------------------------------
    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def named_parameters(self):
        seen = set()
        for prefix, m in self.named_modules():
            for name, p in m._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{prefix}.{name}" if prefix else name), p

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def named_buffers(self):
        for prefix, m in self.named_modules():
            for name, b in m._buffers.items():
                if b is not None:
                    yield (f"{prefix}.{name}" if prefix else name), b

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    # ---- saving and loading ------------------------------------------------------------------
    def state_dict(self):
        """name -> array for every parameter and buffer, with PyTorch's key names and order."""
        state = OrderedDict()
        for prefix, m in self.named_modules():
            for name, t in list(m._parameters.items()) + list(m._buffers.items()):
                if t is not None:
                    state[f"{prefix}.{name}" if prefix else name] = t.data
        return state

    def load_state_dict(self, state, strict=True):
        """Copy arrays from `state` into the parameters and buffers, in place.

        Every problem is collected first and reported together, key by key: missing
        keys, unexpected keys, and shape mismatches. With strict=False, missing and
        unexpected keys are allowed (their names are returned); shapes must still match.
        """
        own = OrderedDict()
        for prefix, m in self.named_modules():
            for name, t in list(m._parameters.items()) + list(m._buffers.items()):
                if t is not None:
                    own[f"{prefix}.{name}" if prefix else name] = t
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        mismatched = [f"{k}: checkpoint {tuple(np.shape(state[k]))}, model {tuple(own[k].shape)}"
                      for k in own if k in state and tuple(np.shape(state[k])) != tuple(own[k].shape)]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise KeyError(f"load_state_dict into {type(self).__name__} failed: " + " | ".join(problems))
        for key, t in own.items():
            if key in state:
                value = state[key]
                value = value.data if isinstance(value, Tensor) else value
                value = backend.to_device(np.asarray(value) if not hasattr(value, "shape") else value, t.device)
                t.data[...] = value.astype(t.dtype, copy=False)
        return {"missing_keys": missing, "unexpected_keys": unexpected}

    def to(self, device):
        """Move every parameter and buffer to 'cpu' or 'cuda' (the same Parameter objects)."""
        backend.check_device(device)
        for t in list(self.parameters()) + [b for _, b in self.named_buffers()]:
            t.data = backend.to_device(t.data, device)
            if t.grad is not None:
                t.grad = backend.to_device(t.grad.data, device)
        return self

    # ---- printing ----------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + (")" if not lines else "\n  " + "\n  ".join(lines) + "\n)")


class Sequential(Module):
    """Modules applied one after another; children are named "0", "1", ..."""

    def __init__(self, *modules):
        super().__init__()
        if len(modules) == 1 and isinstance(modules[0], OrderedDict):
            modules = modules[0].items()
        else:
            modules = ((str(i), m) for i, m in enumerate(modules))
        for name, m in modules:
            setattr(self, name, m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x

    def __getitem__(self, index):
        children = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*children[index])
        return children[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        setattr(self, str(len(self)), module)
        return self
