"""Module and Parameter: how layers hold their weights (the containers, Sequential included, are in containers.py).

A Module registers what is assigned to it: a `Parameter` (a weight to train),
another Module (a child), or a buffer (state that is saved but not trained,
such as batch norm's running statistics). From that registry come
`parameters()`, `state_dict()` with PyTorch's dotted key names
(`layer1.0.conv1.weight`), `load_state_dict()`, `train()`/`eval()` and `to()`.
"""
from collections import OrderedDict, namedtuple

import numpy as np

from .. import array_module
from ..tensor import Tensor
from .hooks import add_hook, run_hooks, run_pre_hooks
from .utils import grad_array


class Parameter(Tensor):
    """A Tensor that requires grad and is registered when assigned to a Module."""

    def __init__(self, data, requires_grad=True):
        data = data.array if isinstance(data, Tensor) else data
        super().__init__(data, requires_grad=requires_grad, dtype=getattr(data, "dtype", None))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        """A new Parameter holding a copy of the values, as PyTorch's: no .grad, no graph of the old one."""
        if id(self) not in memo:
            memo[id(self)] = type(self)(self.array.copy(), requires_grad=self.requires_grad)
        return memo[id(self)]


class StateDictError(RuntimeError, KeyError):
    """load_state_dict's refusal, naming each missing, unexpected or misshapen key: a RuntimeError,
    as PyTorch raises, and a KeyError, as minigrad raised before."""
    __str__ = BaseException.__str__  # the message as written, not KeyError's quoted repr


class IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns, as PyTorch: `.missing_keys`, `.unexpected_keys`
    (also readable as result["missing_keys"])."""

    def __getitem__(self, key):
        return getattr(self, key) if isinstance(key, str) else super().__getitem__(key)


class Module:
    """Base class of every layer and model: override `forward`, call the module."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())  # key -> (hook, with_kwargs)
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration -------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        if name in self._buffers and (value is None or isinstance(value, Tensor)) and not isinstance(value, Parameter):
            self._buffers[name] = value  # re-assigning a buffer keeps it a buffer
            object.__setattr__(self, name, value)
            return
        target = self._parameters if isinstance(value, Parameter) else self._modules if isinstance(value, Module) else None
        for registry in (self._parameters, self._buffers, self._modules):
            if registry is not target:  # the same registry keeps the name's place, as PyTorch's
                registry.pop(name, None)
        if target is not None:
            target[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array, persistent=True):
        """State that belongs to the module and its state_dict but is not trained."""
        if not persistent:
            raise NotImplementedError("register_buffer: minigrad saves every buffer; persistent=False is not "
                                      "supported")
        buffer = Tensor(array, dtype=getattr(array, "dtype", None)) if array is not None else None
        object.__setattr__(self, name, buffer)
        self._buffers[name] = buffer

    def register_parameter(self, name, param):
        """Add a Parameter (or None, a declared but absent one, like a missing bias) under `name`."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be an nn.Parameter or None, got "
                            f"{type(param).__name__} (wrap it: nn.Parameter(tensor))")
        self.__setattr__(name, param)
        self._parameters[name] = param

    def add_module(self, name, module):
        """Add a child module under `name` (what assigning self.name = module does)."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module or None, got {type(module).__name__}")
        if not isinstance(name, str) or "." in name or name == "":
            raise KeyError(f"add_module: module name must be a non-empty string without '.', got {name!r}")
        self.__setattr__(name, module)
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        """The module at a dotted path, e.g. 'layer1.0.conv1'."""
        module = self
        for part in target.split(".") if target else []:
            if part not in module._modules:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})")
            module = module._modules[part]
        return module

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call hook(module, args, output) after every forward (hook(module, args, kwargs, output)
        with with_kwargs=True): a way to look at activations. A value it returns replaces the output."""
        return add_hook(self._forward_hooks, hook, prepend, with_kwargs)

    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call hook(module, args) before every forward (hook(module, args, kwargs) with
        with_kwargs=True). A value it returns replaces the inputs, as PyTorch: a tuple is the new
        args (anything else one argument); with kwargs, a pair (args, kwargs)."""
        return add_hook(self._forward_pre_hooks, hook, prepend, with_kwargs)

    # ---- running --------------------------------------------------------------------------
    def forward(self, *inputs):
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        args, kwargs = run_pre_hooks(self, self._forward_pre_hooks, args, kwargs)
        return run_hooks(self, self._forward_hooks, args, kwargs, self.forward(*args, **kwargs))

    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(f"train: mode must be True or False, got {mode!r}")
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self

    def eval(self):
        return self.train(False)

    def share_memory(self):  # torch's, for Hogwild: parameters, their grads and buffers into shared memory
        for t in [*self.parameters(), *(p.grad for p in self.parameters()), *self.buffers()]:
            t is None or t.share_memory_()
        return self

    # ---- walking the tree -----------------------------------------------------------------
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """(name, module) for this module and all below it, each module once (as PyTorch)."""
        memo = set() if memo is None else memo
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name, remove_duplicate)

    def modules(self):
        return (m for _, m in self.named_modules())

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        return (m for _, m in self.named_children())

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse \
            else [(prefix, self)]
        seen = set()
        for module_prefix, m in modules:
            for name, t in getattr(m, registry).items():
                if t is None or (remove_duplicate and id(t) in seen):
                    continue
                seen.add(id(t))
                yield (f"{module_prefix}.{name}" if module_prefix else name), t

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """(name, parameter) pairs with PyTorch's dotted names; a shared parameter appears once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        return (p for _, p in self.named_parameters(recurse=recurse))

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        return (b for _, b in self.named_buffers(recurse=recurse))

    def apply(self, fn):
        """Call fn(module) on every child (recursively), then on self; returns self.
        The usual way to initialise: model.apply(init_weights)."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad=True):
        """Switch gradients on or off for every parameter (freezing); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (PyTorch's default) or fill them with zeros."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                grad_array(p)[...] = 0

    # ---- saving and loading ------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """name -> Tensor for every parameter and buffer, with PyTorch's key names and order.

        Each Tensor has no graph and shares memory with its parameter (as PyTorch's): changing
        the parameter changes it, so copy it (`.clone()`) to keep a snapshot. keep_vars=True
        gives the Parameters themselves. Use `.array` for the array underneath."""
        state = OrderedDict() if destination is None else destination
        for module_prefix, m in self.named_modules(prefix=prefix.rstrip("."), remove_duplicate=False):
            for name, t in list(m._parameters.items()) + list(m._buffers.items()):
                if t is not None:
                    state[f"{module_prefix}.{name}" if module_prefix else name] = t if keep_vars else t.detach()
        return state

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy Tensors or arrays from `state_dict` into the parameters and buffers, in place.

        Every problem is collected first and reported together, key by key: missing
        keys, unexpected keys, and shape mismatches. With strict=False, missing and
        unexpected keys are allowed (their names are returned); shapes must still match.
        assign=True makes each parameter hold the loaded array itself instead of a copy.
        """
        state = state_dict
        own = OrderedDict()
        for prefix, m in self.named_modules(remove_duplicate=False):
            for name, t in list(m._parameters.items()) + list(m._buffers.items()):
                if t is not None:
                    own[f"{prefix}.{name}" if prefix else name] = t
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        shape = lambda v: tuple(v.shape) if hasattr(v, "shape") else np.shape(v)  # noqa: E731
        mismatched = [f"{k}: checkpoint {shape(state[k])}, model {tuple(own[k].shape)}"
                      for k in own if k in state and shape(state[k]) != tuple(own[k].shape)]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise StateDictError(f"Error(s) in loading state_dict for {type(self).__name__}: " + " | ".join(problems))
        for key, t in own.items():
            if key in state:
                value = state[key]
                value = value.array if isinstance(value, Tensor) else value
                value = array_module.to_device(np.asarray(value) if not hasattr(value, "shape") else value, t.device)
                if assign:
                    t.array = value.astype(t.dtype, copy=False)
                else:
                    t.array[...] = value.astype(t.dtype, copy=False)
        return IncompatibleKeys(missing, unexpected)

    def to(self, *args, device=None, dtype=None):
        """Move every parameter and buffer to a device ('cpu', 'cuda' or a device object) and/or cast
        the floating ones to a dtype: to('cuda'), to(np.float64), to(other_tensor); the same
        Parameter objects, changed in place, as PyTorch."""
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, str) or type(arg).__name__ == "device":
                device = arg
            else:
                try:
                    dtype = np.dtype(arg)
                except TypeError:
                    raise TypeError(f"Module.to: expected a device or a dtype, got {arg!r}") from None
        if device is not None:
            name = str(device)  # 'cuda', or a device object whose str() is its name
            device = array_module.check_device(name[:-2] if name.endswith(":0") else name)
        floating = lambda a: np.issubdtype(a.dtype, np.floating)  # noqa: E731
        for t in list(self.parameters()) + list(self.buffers()):
            for holder in (t, t.grad if isinstance(t.grad, Tensor) else None):
                if holder is not None:
                    holder.array = self._moved(holder.array, device, dtype if floating(holder.array) else None)
            if t.grad is not None and not isinstance(t.grad, Tensor):
                t.grad = self._moved(t.grad, device, dtype if floating(t.grad) else None)
        return self

    @staticmethod
    def _moved(array, device, dtype):
        array = array if device is None else array_module.to_device(array, device)
        return array if dtype is None else array.astype(dtype, copy=False)

    def double(self):
        return self.to(np.float64)

    def float(self):
        return self.to(np.float32)

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    # ---- printing ----------------------------------------------------------------------------
    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"({name}): " + repr(child).replace("\n", "\n  ") for name, child in self._modules.items()]
        head = f"{type(self).__name__}({self.extra_repr()}"
        return head + (")" if not lines else "\n  " + "\n  ".join(lines) + "\n)")


