"""Writing a pickle opcode by opcode, as torch.save writes it (protocol 2), without PyTorch.

Python's own pickler would have to import torch to name torch's functions, so the pickle is
written here. Numbers, strings, bytes, None, dicts, lists, tuples and sets are written as pickle
writes them. A tensor is a call of `torch._utils._rebuild_tensor_v2(storage, offset, shape,
strides, requires_grad, OrderedDict())` (inside `_rebuild_parameter` for an nn.Parameter) whose
storage is a persistent id ("storage", torch.FloatStorage, key, "cpu", numel): its bytes go in a
record of their own (torchzip.py). Anything else (a whole Module, a class of yours, a numpy array)
is written the way pickle reduces it: its class by name, the arguments of `__reduce_ex__(2)`, then
its state; loading it back needs the caller to trust those classes (safe_globals.py), as in PyTorch.
Every object is memoised (BINPUT, then BINGET): one saved twice is one object again when loaded,
so a weight tied into two layers stays tied.
"""
import collections
import copyreg
import pickle
import struct
import sys
import types

import numpy as np

from .base import MAX_DEPTH

STORAGE_NAMES = {np.dtype(np.float32): "FloatStorage", np.dtype(np.float64): "DoubleStorage",
                 np.dtype(np.float16): "HalfStorage", np.dtype(np.int64): "LongStorage",
                 np.dtype(np.int32): "IntStorage", np.dtype(np.int16): "ShortStorage",
                 np.dtype(np.int8): "CharStorage", np.dtype(np.uint8): "ByteStorage",
                 np.dtype(np.bool_): "BoolStorage"}
TORCH_ONLY_V3 = {np.dtype(np.uint16): "uint16", np.dtype(np.uint32): "uint32", np.dtype(np.uint64): "uint64"}
PYTHON2_NAMES = {"builtins": "__builtin__", "copyreg": "copy_reg"}  # what protocol 2 writes, as pickle does


class PickleWriter:
    """Emits pickle opcodes for `obj`. `is_array(obj)` says whether obj is a tensor:
    (numpy array, requires_grad, "cpu" or "cuda:0", is_parameter), else None."""

    def __init__(self, is_array):
        self.out, self.storages, self.is_array = [b"\x80\x02"], [], is_array  # PROTO 2
        self.keys = {}  # id(array) -> storage key, so an array saved twice is stored once
        self.memo = {}  # id(obj) -> (memo index, obj): obj kept alive so its id stays its own
        self.active, self.depth = set(), 0  # the containers being written: one met again contains itself

    def dump(self, obj):
        self.save(obj)
        self.out.append(b".")  # STOP
        return b"".join(self.out)

    # ---- the memo ------------------------------------------------------------------------------
    def put(self, obj):
        index = len(self.memo)
        self.memo[id(obj)] = (index, obj)
        self.out.append(b"q" + bytes([index]) if index < 256 else b"r" + struct.pack("<I", index))  # (LONG_)BINPUT

    def get(self, obj):
        index = self.memo[id(obj)][0]
        self.out.append(b"h" + bytes([index]) if index < 256 else b"j" + struct.pack("<I", index))  # (LONG_)BINGET

    # ---- one object ----------------------------------------------------------------------------
    def save(self, obj):
        w = self.out.append
        kind = type(obj)
        if obj is None:
            w(b"N")
        elif kind is bool:
            w(b"\x88" if obj else b"\x89")
        elif kind is int:
            self.save_int(obj)
        elif kind is float:
            w(b"G" + struct.pack(">d", obj))
        elif kind is str:
            data = obj.encode("utf-8", "surrogatepass")
            w(b"X" + struct.pack("<I", len(data)) + data)  # BINUNICODE
        elif id(obj) in self.active or self.depth >= MAX_DEPTH:
            raise ValueError(f"minigrad.save: the object contains itself or is nested more than {MAX_DEPTH} "
                             "levels deep")
        elif id(obj) in self.memo:
            self.get(obj)
        else:
            self.active.add(id(obj))
            self.depth += 1
            try:
                self.save_new(obj)
            finally:
                self.active.discard(id(obj))
                self.depth -= 1

    def save_new(self, obj):
        """An object met for the first time: written, then memoised."""
        kind, tensor = type(obj), self.is_array(obj)
        if tensor is not None:
            self.save_tensor(obj, *tensor)
        elif kind in (dict, list, collections.OrderedDict):
            self.save_container(obj)
        elif kind is tuple:
            self.out.append(b"(")  # MARK
            for x in obj:
                self.save(x)
            self.out.append(b"t")  # TUPLE
            self.put(obj)
        elif kind is bytes:  # protocol 2 has no bytes opcode: pickle writes _codecs.encode(text, 'latin1')
            self.out.append(b"c_codecs\nencode\n")
            self.save((obj.decode("latin-1"), "latin1"))
            self.out.append(b"R")  # REDUCE
            self.put(obj)
        elif kind in (set, frozenset):  # as pickle writes them for protocol 2: set([items])
            self.save_global(kind)
            self.save((list(obj),))
            self.out.append(b"R")
            self.put(obj)
        elif isinstance(obj, (type, types.FunctionType, types.BuiltinFunctionType)):
            self.save_global(obj)
        else:
            self.save_reduce(obj)

    def save_int(self, n):
        if 0 <= n < 256:
            self.out.append(b"K" + bytes([n]))  # BININT1
        elif -2 ** 31 <= n < 2 ** 31:
            self.out.append(b"J" + struct.pack("<i", n))  # BININT
        else:
            data = save_int_bytes(n)
            self.out.append(b"\x8a" + bytes([len(data)]) + data)  # LONG1

    def save_container(self, obj):
        w = self.out.append
        if isinstance(obj, list):
            w(b"]")  # EMPTY_LIST
            items, end = [(x,) for x in obj], b"e"  # APPENDS
        else:
            w(b"ccollections\nOrderedDict\n)R" if isinstance(obj, collections.OrderedDict) else b"}")
            items, end = list(obj.items()), b"u"  # SETITEMS
        self.put(obj)
        self.save_items(items, end)

    def save_items(self, items, end):
        for start in range(0, len(items), 1000):  # pickle's own batching
            self.out.append(b"(")
            for item in items[start:start + 1000]:
                for x in item:
                    self.save(x)
            self.out.append(end)

    def save_global(self, obj):
        """A class or function by its name, which must lead back to it (as pickle checks)."""
        name = getattr(obj, "__qualname__", None) or getattr(obj, "__name__", "")
        module = getattr(obj, "__module__", None) or pickle.whichmodule(obj, name)
        found = sys.modules.get(module)
        for part in (name or "").split("."):
            found = getattr(found, part, None)
        if found is not obj or "<locals>" in name:
            raise pickle.PicklingError(f"Can't pickle {obj!r}: it is not reachable as {module}.{name} (a class or "
                                       "function defined inside a function cannot be saved; define it at the "
                                       "top level of a module)")
        self.out.append(f"c{PYTHON2_NAMES.get(module, module)}\n{name}\n".encode())  # GLOBAL
        self.put(obj)

    def save_reduce(self, obj):
        """Anything else, as pickle writes it: obj.__reduce_ex__(2) is (callable, args, state, list
        items, dict items); copyreg.__newobj__ becomes NEWOBJ (cls.__new__(cls, *args)), anything else
        a REDUCE (callable(*args)); then the items, and the state for BUILD."""
        custom = copyreg.dispatch_table.get(type(obj))  # how a library registered its type (numpy's ufuncs)
        reduced = custom(obj) if custom else obj.__reduce_ex__(2)  # TypeError "cannot pickle 'X' object", as pickle
        if isinstance(reduced, str):
            return self.save_global(obj)
        func, args, state, listitems, dictitems = (tuple(reduced) + (None,) * 5)[:5]
        if func is copyreg.__newobj__:
            self.save_global(args[0])
            self.save(tuple(args[1:]))
            self.out.append(b"\x81")  # NEWOBJ
        else:
            self.save_global(func)
            self.save(tuple(args))
            self.out.append(b"R")  # REDUCE
        self.active.discard(id(obj))  # made: from here on, a reference to it is a BINGET, as in pickle
        self.put(obj)
        if listitems is not None:
            self.save_items([(x,) for x in listitems], b"e")
        if dictitems is not None:
            self.save_items(list(dictitems), b"u")
        if state is not None:
            self.save(state)
            self.out.append(b"b")  # BUILD

    def save_tensor(self, obj, array, requires_grad, location, is_parameter=False):
        w = self.out.append
        dtype = array.dtype
        if dtype not in STORAGE_NAMES and dtype not in TORCH_ONLY_V3:
            raise TypeError(f"minigrad.save: cannot save {dtype} arrays (PyTorch has no such dtype)")
        key = self.keys.get(id(obj))
        if key is None:  # the caller's structure keeps obj alive, so its id stays unique
            key = self.keys[id(obj)] = str(len(self.storages))
            self.storages.append(array)
        if is_parameter:
            w(b"ctorch._utils\n_rebuild_parameter\n(")
        v3 = dtype in TORCH_ONLY_V3  # torch's newer unsigned types: raw bytes plus a dtype argument
        w(b"ctorch._utils\n_rebuild_tensor_v3\n(" if v3 else b"ctorch._utils\n_rebuild_tensor_v2\n(")
        w(b"(")
        self.save("storage")
        w(b"ctorch.storage\nUntypedStorage\n" if v3 else f"ctorch\n{STORAGE_NAMES[dtype]}\n".encode())
        self.save(key)
        self.save(location)
        self.save_int(array.nbytes if v3 else array.size)
        w(b"tQ")  # TUPLE, BINPERSID
        self.save_int(0)
        w(self.plain_tuple(array.shape))
        w(self.plain_tuple(int(np.prod(array.shape[i + 1:])) for i in range(array.ndim)))  # C order
        self.save(bool(requires_grad) and not is_parameter)
        w(b"ccollections\nOrderedDict\n)R")  # backward hooks: none
        if v3:
            w(f"ctorch\n{TORCH_ONLY_V3[dtype]}\n".encode())
        w(b"tR")  # TUPLE, REDUCE
        if is_parameter:
            self.save(bool(requires_grad))
            w(b"ccollections\nOrderedDict\n)RtR")
        self.put(obj)

    def plain_tuple(self, numbers):
        """A tuple of ints, not memoised (a shape or strides)."""
        writer = PickleWriter(None)
        writer.out = [b"("]
        for n in numbers:
            writer.save_int(int(n))
        return b"".join(writer.out) + b"t"


def save_int_bytes(n):
    """n as LONG1 writes it: little-endian two's complement, as few bytes as hold it."""
    data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
    if len(data) > 255:
        raise ValueError(f"minigrad.save: the integer {n:.20} is too large")
    return data
