"""Turning an unpickled checkpoint into what `minigrad.load` gives back.

The unpickler (unpickle.py) leaves stand-ins behind: a `LazyTensor` for each tensor, a `Pending`
for each object the pickle asked for (objects.py), a stand-in class for a global used as a plain
value. `walk` replaces them, bottom up: `leaf(LazyTensor)` for each tensor, `Pending.build` for
each object; dicts, lists, tuples and sets are rebuilt; numbers, strings, bytes and None pass
through. What the file shares (one tensor tied into two layers, a list referenced twice) is built
once and shared again, so a crafted web of references costs linear time. A container that
contains itself, or nesting deeper than MAX_DEPTH, is refused rather than recursed into forever;
an object may refer back to itself, as pickle allows.
"""
import collections

import numpy as np

from .base import MAX_DEPTH, WeightsError
from .objects import Pending, Trust, is_stand_in
from .unpickle import LazyTensor

PLAIN = (str, int, float, bool, complex, bytes, type(None))
DICTS = (dict, collections.OrderedDict, collections.Counter)


class Rebuild:
    """One walk over one checkpoint: what it has built (memo) and what it is inside of (active)."""

    def __init__(self, path, leaf, array, trust, budget):
        self.path, self.leaf, self.array = path, leaf, array
        self.trust, self.budget = trust, budget
        self.memo, self.active, self.depth = {}, set(), 0

    def rebuild(self, obj):
        if isinstance(obj, PLAIN):
            return obj
        if id(obj) in self.memo:
            out = self.memo[id(obj)]
            if isinstance(obj, LazyTensor) and self.budget is not None:  # shared, but each use may be copied:
                self.budget.take(getattr(out, "array", out).nbytes, "another reference to a tensor")  # count it
            return out
        if isinstance(obj, np.ndarray) and self.array is not None:  # from .npz / .safetensors
            return self.array(obj)
        if is_stand_in(obj):  # a class or function named as a value
            return obj.target
        if id(obj) in self.active:
            raise WeightsError("a container in the checkpoint contains itself")
        if self.depth >= MAX_DEPTH:
            raise WeightsError(f"the checkpoint is nested more than {MAX_DEPTH} levels deep")
        self.depth += 1
        self.active.add(id(obj))
        try:
            out = self._build(obj)
        finally:
            self.active.discard(id(obj))
            self.depth -= 1
        self.memo[id(obj)] = out
        return out

    def _build(self, obj):
        if isinstance(obj, LazyTensor):
            return self.leaf(obj)
        if isinstance(obj, Pending):
            self.active.discard(id(obj))  # an object may hold itself (build memoises it before its state)
            return obj.build(self)
        if isinstance(obj, dict) and type(obj) in DICTS:
            out = type(obj)()
            for key, value in obj.items():
                if not isinstance(key, PLAIN + (tuple,)):
                    raise WeightsError(f"a dict key is a {type(key).__name__}")
                out[key] = self.rebuild(value)
            return out
        if type(obj) in (list, tuple, set, frozenset, bytearray):
            return type(obj)(self.rebuild(x) for x in obj)
        raise WeightsError(f"holds a {type(obj).__name__}, which is not a tensor, number, string or container")


def walk(obj, leaf, path, array=None, trust=None, budget=None):
    """The checkpoint `obj` (as unpickled) with every stand-in replaced; see the module docstring."""
    walker = Rebuild(path, leaf, array, trust if trust is not None else Trust(), budget)
    try:
        return walker.rebuild(obj)
    except WeightsError as err:
        raise type(err)(str(err) if str(err).startswith(f"{path}: ") else f"{path}: {err}") from None
