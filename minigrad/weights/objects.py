"""Whole objects in a checkpoint (a Module, a class of yours, a numpy array), rebuilt without
running the file's code.

While the pickle is read, each class or function it names, once allowed (`Trust`), is replaced by
a stand-in: a subclass of `Pending` made for that global. The pickle's opcodes then only record
what they ask for: NEWOBJ (`cls.__new__(cls, *args)`) and REDUCE (`cls(*args)`) make a `Pending`
holding the arguments, BUILD hands it the object's state. Nothing of the target runs yet.
Afterwards, once every tensor is checked and read, `Pending.build` makes the real object as
pickle would: `target.__new__(target, *args)` then its `__setstate__` or `__dict__`, or
`target(*args)`. numpy arrays and scalars are rebuilt from their bytes by our own code here
(numpy's `_reconstruct` would allocate whatever shape the file declares before any check).

What is allowed, as `torch.load(weights_only=True)`: a global the caller trusts
(safe_globals.py) may be created, called and given state. `weights_only=False`, minigrad's opt-in
for files you trust, adds: any nn.Module subclass already imported (created as pickle creates
instances: object's __new__, then its state), numpy arrays and scalars, and minigrad's own
functions and classes as plain values (the activation function a layer holds). Unlike torch, it
adds nothing else: no other class, no call of a function the caller has not listed, no import.
(Any class at all would be too much: tempfile's file closer, given a name, deletes that file
when it is garbage collected.)
"""
import pickle
import re
import sys
import types

import numpy as np

from .base import WeightsError, numel
from .safe_globals import allowed_by_name


class RefusedGlobal(WeightsError, pickle.UnpicklingError):
    """A checkpoint asks for something the caller has not allowed: a WeightsError (minigrad's) and
    an UnpicklingError (what torch.load raises)."""


# numpy's pickles name these; each is rebuilt by a function below, never by numpy's own
NUMPY_ROLES = {"numpy._core.multiarray._reconstruct": "array", "numpy.core.multiarray._reconstruct": "array",
               "numpy._core.multiarray.scalar": "scalar", "numpy.core.multiarray.scalar": "scalar",
               "numpy.ndarray": "ndarray", "numpy.dtype": "dtype"}
DTYPE_CODE = re.compile(r"[biufc]\d{1,2}")  # numeric dtypes only: never an object array ("O8")


def shown(full_name):
    """How torch spells a global in its messages: builtins without their module."""
    return full_name[len("builtins."):] if full_name.startswith("builtins.") else full_name


class Trust:
    """What a load may rebuild: the caller's safe globals, and with weights_only=False also Module
    classes, numpy arrays and minigrad's own globals (see the module docstring). numpy_only: numpy
    arrays and scalars and nothing else, whatever the safe globals (a data set's plain pickle)."""

    def __init__(self, weights_only=True, numpy_only=False):
        self.named = {} if numpy_only else allowed_by_name()
        self.trusted_ids = {id(obj) for obj in self.named.values()}
        self.weights_only, self.numpy_only = weights_only and not numpy_only, numpy_only

    def lookup(self, full_name):
        """(object, trusted) for a global the file names, or None where it may not name it."""
        if full_name in self.named:
            return self.named[full_name], True
        if full_name in NUMPY_ROLES and not self.weights_only:  # rebuilt by our code below, never numpy's
            return {"numpy.ndarray": np.ndarray, "numpy.dtype": np.dtype}.get(full_name), False
        if not self.weights_only and not self.numpy_only:
            obj = _already_imported(full_name)
            if obj is not None and (is_module_class(obj) or full_name.split(".")[0] == "minigrad"):
                return obj, False
        return None

    def refuse(self, full_name):
        name = shown(full_name)
        if self.numpy_only:
            return RefusedGlobal(f"refusing to load: the pickle asks for {full_name}, which a plain pickle of numbers, "
                                 "strings, containers and numpy arrays never needs (a corrupt or malicious file). "
                                 "Nothing from the file was run.")
        return RefusedGlobal(
            f"refusing to load: the pickle asks for {full_name}, which a plain state dict never needs (a checkpoint "
            "of a whole model, or a malicious file). Nothing from the file was run. Weights only load failed: "
            f"Unsupported global: GLOBAL {name} was not an allowed global by default. Please use "
            f"`minigrad.serialization.add_safe_globals([{name}])` or the `minigrad.serialization.safe_globals("
            f"[{name}])` context manager to allowlist this global if you trust this class/function"
            + ("" if not self.weights_only else
               " (or, for a file you trust, load with weights_only=False, which also rebuilds nn.Module classes "
               "already imported and numpy arrays, and still calls no function)")
            + ". Save model.state_dict() instead of the model.")


def is_module_class(obj):
    """A subclass of nn.Module whose instances pickle can make without running its code (object's __new__)."""
    from ..nn.module import Module  # nn sits beside weights
    return isinstance(obj, type) and issubclass(obj, Module) and obj.__new__ is object.__new__


def _already_imported(full_name):
    """The global `module.qualname` if its module is already imported; looked up in the namespaces
    themselves (no import, no module __getattr__)."""
    parts = full_name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = sys.modules.get(".".join(parts[:cut]))
        if module is None:
            continue
        obj = module
        for part in parts[cut:]:
            if not isinstance(obj, (types.ModuleType, type)) or part not in vars(obj):
                return None
            obj = vars(obj)[part]
        return obj
    return None


class Pending:
    """A stand-in's product: what the pickle asked of a global, not done yet."""
    target, full_name, trusted, numpy_role = None, None, False, None  # set on each stand-in class

    def __new__(cls, *args):  # NEWOBJ calls only this; REDUCE calls this, then __init__
        self = object.__new__(cls)
        self.args, self.called, self.state, self.has_state = args, False, None, False
        return self

    def __init__(self, *args):
        self.called = True

    def __setstate__(self, state):  # BUILD
        if self.has_state:
            raise WeightsError(f"an object of {self.full_name} is given its state twice")
        self.state, self.has_state = state, True

    def build(self, ctx):
        """The real object. `ctx.rebuild` turns a piece of the pickle (arguments, state) into real values;
        `ctx.memo` maps what is built already, `ctx.trust` says what may be, `ctx.budget` counts bytes."""
        if self.numpy_role is not None:
            return build_numpy(self, ctx)
        target, rebuild, trust = self.target, ctx.rebuild, ctx.trust
        if self.called:
            if not self.trusted:
                raise RefusedGlobal(
                    f"refusing to load: the pickle asks to call {self.full_name}, and minigrad.load calls only what "
                    f"the caller allowed with minigrad.serialization.add_safe_globals([{shown(self.full_name)}]) "
                    "(weights_only=False rebuilds Modules and numpy arrays but calls nothing). Nothing from the "
                    "file was run.")
            obj = target(*rebuild(self.args))
        else:
            if not isinstance(target, type) or not (self.trusted or is_module_class(target)):
                raise RefusedGlobal("Can only create new object for nn.Parameter or classes allowlisted via "
                                   f"`add_safe_globals` but got {target}")
            obj = target.__new__(target, *rebuild(self.args))
        ctx.memo[id(self)] = obj  # before its state: an object inside its own state is itself again
        if self.has_state:
            if not (id(type(obj)) in trust.trusted_ids or not self.called and is_module_class(type(obj))):
                raise RefusedGlobal("Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                                   f"`add_safe_globals`, but got {type(obj)}")
            set_state(obj, rebuild(self.state))
        return obj


def set_state(obj, state):
    """What pickle's BUILD does: __setstate__ if the class has one, else the instance dict (and slots)."""
    if getattr(obj, "__setstate__", None) is not None:
        obj.__setstate__(state)
        return
    slots = None
    if isinstance(state, tuple) and len(state) == 2:
        state, slots = state
    if state:
        obj.__dict__.update(state)
    for name, value in (slots or {}).items():
        setattr(obj, name, value)


def stand_in(target, full_name, trusted):
    """The class the unpickler gets for an allowed global."""
    return type(f"Pending:{full_name}", (Pending,), {
        "target": staticmethod(target),  # staticmethod: a function as a class attribute would bind to self
        "full_name": full_name, "trusted": trusted, "numpy_role": NUMPY_ROLES.get(full_name)})


def is_stand_in(obj):
    return isinstance(obj, type) and issubclass(obj, Pending)


# ---- numpy arrays and scalars, from their bytes --------------------------------------------------

def build_numpy(pending, ctx):
    rebuild, trust = ctx.rebuild, ctx.trust
    role, args = pending.numpy_role, rebuild(pending.args)
    if role == "dtype":
        dtype = _dtype(args, rebuild(pending.state) if pending.has_state else None)
        if pending.has_state and trust.weights_only and id(type(dtype)) not in trust.trusted_ids:
            raise RefusedGlobal("Can only build Tensor, Parameter, OrderedDict or types allowlisted via "
                               f"`add_safe_globals`, but got {type(dtype)}")
        return dtype
    if role == "scalar":
        args = tuple(a.encode("latin-1") if isinstance(a, str) else a for a in args)  # Python 2's str, as above
        if len(args) != 2 or not isinstance(args[0], np.dtype) or not isinstance(args[1], (bytes, bytearray)):
            raise WeightsError(f"a numpy scalar is given {len(args)} arguments, not (dtype, bytes)")
        if len(args[1]) != args[0].itemsize:
            raise WeightsError(f"a numpy {args[0]} scalar is given {len(args[1])} bytes")
        return np.frombuffer(args[1], args[0])[0]
    if role == "array" and pending.called and len(args) == 3 and args[0] is np.ndarray:
        if not pending.has_state:
            raise WeightsError("a numpy array has no data (BUILD missing)")
        return _array(rebuild(pending.state), ctx.budget)
    if role == "ndarray" and not pending.called:
        raise WeightsError("numpy.ndarray may only name the class of a numpy array")
    raise WeightsError(f"{pending.full_name} is used in a way numpy's own pickles never do")


def _dtype(args, state):
    code = args[0] if args else None
    if not isinstance(code, str) or not DTYPE_CODE.fullmatch(code):
        raise WeightsError(f"a numpy array of dtype {code!r:.40}: only numeric arrays are read (an object array "
                           "would hold pickled Python objects)")
    dtype = np.dtype(code)
    order = state[1] if isinstance(state, tuple) and len(state) > 1 else "|"
    return dtype.newbyteorder(order) if order in ("<", ">") else dtype


def _array(state, budget):
    if not (isinstance(state, tuple) and len(state) == 5 and state[0] == 1):
        raise WeightsError(f"a numpy array's state is {type(state).__name__}, not numpy's (1, shape, dtype, "
                           "fortran, bytes)")
    _version, shape, dtype, fortran, raw = state
    raw = raw.encode("latin-1") if isinstance(raw, str) else raw  # a Python 2 pickle read with encoding='latin1'
    if not isinstance(shape, tuple) or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise WeightsError(f"a numpy array has an invalid shape {shape!r:.80}")
    if not isinstance(dtype, np.dtype) or not isinstance(raw, (bytes, bytearray)) or type(fortran) is not bool:
        raise WeightsError("a numpy array's state holds the wrong types (a crafted file)")
    if len(raw) != numel(shape) * dtype.itemsize:
        raise WeightsError(f"a numpy array of shape {shape} and dtype {dtype} is given {len(raw):,} bytes: "
                           "truncated or crafted")
    budget.take(len(raw), f"a numpy array of shape {shape}")
    array = np.frombuffer(raw, dtype).reshape(shape, order="F" if fortran else "C")
    return array.astype(dtype.newbyteorder("="), order="K")  # writable, owning its memory, in this machine's
    #                                                             byte order: as numpy's own unpickling gives it
