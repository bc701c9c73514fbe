"""Writing PyTorch's zip checkpoint format without PyTorch, so `torch.load` reads what minigrad saves.

The file is a zip of: `archive/data.pkl`, the structure as a pickle (protocol 2) in which each
tensor is a call to `torch._utils._rebuild_tensor_v2(storage, offset, shape, strides, requires_grad,
OrderedDict())` and each storage a persistent id ("storage", torch.FloatStorage, key, "cpu", numel);
`archive/data/<key>`, each storage's raw little-endian bytes (aligned to 64 bytes, as torch writes
them); `archive/byteorder` and `archive/version`. The pickle is written opcode by opcode below
(Python's pickler would import torch to name torch's functions); it uses only names that
`torch.load(weights_only=True)` allows, and that minigrad's own allow-list reader accepts.
"""
import collections
import struct
import zipfile

import numpy as np

from .base import MAX_DEPTH

STORAGE_NAMES = {np.dtype(np.float32): "FloatStorage", np.dtype(np.float64): "DoubleStorage",
                 np.dtype(np.float16): "HalfStorage", np.dtype(np.int64): "LongStorage",
                 np.dtype(np.int32): "IntStorage", np.dtype(np.int16): "ShortStorage",
                 np.dtype(np.int8): "CharStorage", np.dtype(np.uint8): "ByteStorage",
                 np.dtype(np.bool_): "BoolStorage"}
TORCH_ONLY_V3 = {np.dtype(np.uint16): "uint16", np.dtype(np.uint32): "uint32", np.dtype(np.uint64): "uint64"}
ALIGN = 64


class PickleWriter:
    """Emits pickle opcodes for dicts, lists, tuples, numbers, strings, None and arrays.
    `is_array(obj)` says whether obj is a tensor: (numpy array, requires_grad, "cpu" or "cuda:0"), else None."""

    def __init__(self, is_array):
        self.out, self.storages, self.is_array = [b"\x80\x02"], [], is_array  # PROTO 2
        self.keys = {}  # id(array) -> storage key, so an array saved twice is stored once

    def dump(self, obj):
        self.save(obj, 0, set())
        self.out.append(b".")  # STOP
        return b"".join(self.out)

    def save(self, obj, depth, active):
        w = self.out.append
        if obj is None:
            w(b"N")
        elif isinstance(obj, (bool, np.bool_)):
            w(b"\x88" if obj else b"\x89")
        elif isinstance(obj, (int, np.integer)):
            self.save_int(int(obj))
        elif isinstance(obj, (float, np.floating)):
            w(b"G" + struct.pack(">d", float(obj)))
        elif isinstance(obj, str):
            data = obj.encode("utf-8", "surrogatepass")
            w(b"X" + struct.pack("<I", len(data)) + data)  # BINUNICODE
        elif self.is_array(obj) is not None:
            self.save_tensor(obj, *self.is_array(obj))
        elif isinstance(obj, (dict, list, tuple)):
            if id(obj) in active or depth >= MAX_DEPTH:
                raise ValueError("minigrad.save: the object contains itself or is nested more than "
                                 f"{MAX_DEPTH} levels deep")
            active.add(id(obj))
            self.save_container(obj, depth + 1, active)
            active.discard(id(obj))
        else:
            raise TypeError(f"minigrad.save: cannot save a {type(obj).__name__}; a checkpoint holds Tensors, "
                            "arrays, numbers, strings, None, bools and dicts/lists/tuples of them")

    def save_int(self, n):
        if 0 <= n < 256:
            self.out.append(b"K" + bytes([n]))  # BININT1
        elif -2 ** 31 <= n < 2 ** 31:
            self.out.append(b"J" + struct.pack("<i", n))  # BININT
        else:
            data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
            if len(data) > 255:
                raise ValueError(f"minigrad.save: the integer {n:.20} is too large")
            self.out.append(b"\x8a" + bytes([len(data)]) + data)  # LONG1

    def save_container(self, obj, depth, active):
        w = self.out.append
        if isinstance(obj, tuple):
            w(b"(")  # MARK
            for x in obj:
                self.save(x, depth, active)
            w(b"t")  # TUPLE
            return
        if isinstance(obj, list):
            w(b"]")  # EMPTY_LIST
            items, end = [(x,) for x in obj], b"e"  # APPENDS
        else:
            w(b"ccollections\nOrderedDict\n)R" if isinstance(obj, collections.OrderedDict) else b"}")
            items, end = list(obj.items()), b"u"  # SETITEMS
        for start in range(0, len(items), 1000):  # pickle's own batching
            w(b"(")
            for item in items[start:start + 1000]:
                for x in item:
                    self.save(x, depth, active)
            w(end)

    def save_tensor(self, obj, array, requires_grad, location):
        w = self.out.append
        dtype = array.dtype
        if dtype not in STORAGE_NAMES and dtype not in TORCH_ONLY_V3:
            raise TypeError(f"minigrad.save: cannot save {dtype} arrays (PyTorch has no such dtype)")
        key = self.keys.get(id(obj))
        if key is None:  # the caller's structure keeps obj alive, so its id stays unique
            key = self.keys[id(obj)] = str(len(self.storages))
            self.storages.append(array)
        v3 = dtype in TORCH_ONLY_V3  # torch's newer unsigned types: raw bytes plus a dtype argument
        w(b"ctorch._utils\n_rebuild_tensor_v3\n(" if v3 else b"ctorch._utils\n_rebuild_tensor_v2\n(")
        w(b"(")
        self.save("storage", 0, set())
        w(b"ctorch.storage\nUntypedStorage\n" if v3 else f"ctorch\n{STORAGE_NAMES[dtype]}\n".encode())
        self.save(key, 0, set())
        self.save(location, 0, set())
        self.save_int(array.nbytes if v3 else array.size)
        w(b"tQ")  # TUPLE, BINPERSID
        self.save_int(0)
        self.save(tuple(array.shape), 0, set())
        self.save(tuple(int(np.prod(array.shape[i + 1:])) for i in range(array.ndim)), 0, set())  # C order
        self.save(bool(requires_grad), 0, set())
        w(b"ccollections\nOrderedDict\n)R")  # backward hooks: none
        if v3:
            w(f"ctorch\n{TORCH_ONLY_V3[dtype]}\n".encode())
        w(b"tR")  # TUPLE, REDUCE


def _write_aligned(archive, name, data):
    """Add a stored member whose bytes start at a multiple of ALIGN (torch can then mmap them)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    start = archive.fp.tell() + 30 + len(name.encode()) + 4  # local header, name, the extra field's own head
    pad = -start % ALIGN
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad  # the padding field torch itself writes
    archive.writestr(info, data)


def write(f, obj, is_array):
    """Write `obj` to the open binary file `f` in PyTorch's zip format."""
    writer = PickleWriter(is_array)
    pickled = writer.dump(obj)
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        _write_aligned(archive, "archive/data.pkl", pickled)
        _write_aligned(archive, "archive/byteorder", b"little")
        for key, array in enumerate(writer.storages):
            data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).reshape(-1)
            _write_aligned(archive, f"archive/data/{key}", memoryview(data.view(np.uint8)))
        _write_aligned(archive, "archive/version", b"3\n")
