"""PyTorch's pickle, read safely: an allow-list unpickler and harmless stand-ins.

A .pth holds a pickle, and unpickling can run any code the file asks for. This unpickler knows
the handful of names a checkpoint needs (OrderedDict, the tensor-rebuild functions, the storage
types and dtypes), maps each to a stand-in of our own, and refuses everything else before
anything runs, unless the caller trusts it (objects.py: a whole Module, a numpy array; then it
too gets a stand-in that only records what the pickle asks of it). A tensor comes out as a
`LazyTensor`: a view (offset, shape, strides) of a storage whose bytes are read afterwards;
`LazyTensor.materialise` checks that the view lies inside its storage before it copies a single
number. rebuild.py then turns the stand-ins into what `minigrad.load` returns.
"""
import collections
import pickle
import pickletools

import numpy as np

from .base import (STORAGE_DTYPES, TORCH_DTYPES, UNSUPPORTED_DTYPES, WeightsError, check_shape,
                   frombuffer, itemsize, numel, unsupported)
from .objects import Trust, stand_in


class StorageType:
    """Stands in for torch.FloatStorage & co.: only says which dtype the bytes hold (None: raw bytes)."""

    def __init__(self, name, dtype):
        self.name, self.dtype = name, dtype


class Dtype:
    """Stands in for torch.uint16 & co. (the dtype argument of _rebuild_tensor_v3)."""

    def __init__(self, name):
        self.name, self.dtype = name, TORCH_DTYPES.get(name)


class Storage:
    """A storage named by the pickle; `array` (1-d) is attached once its bytes are read."""

    def __init__(self, storage_type, key, count):
        if type(count) is not int or count < 0:
            raise WeightsError(f"storage {key!r:.40} declares {count!r:.40} elements")
        self.dtype, self.key, self.numel = storage_type.dtype, str(key), count
        self.array, self.offset, self.root = None, 0, None  # a legacy view: offset into its root
        self.location = "cpu"  # where torch.save found it: "cpu" or "cuda:0"
        self.typed = {}  # raw bytes (UntypedStorage) read as a dtype: {dtype: array}, made once


class LazyTensor:
    """What torch._utils._rebuild_tensor_v2 becomes: a view of a storage, made real later."""

    def __init__(self, storage, storage_offset, size, stride, requires_grad=False, *_rest, dtype=None):
        if not isinstance(storage, Storage):
            raise WeightsError(f"a tensor refers to a {type(storage).__name__}, not a storage")
        self.storage, self.offset, self.requires_grad = storage, storage_offset, bool(requires_grad)
        self.size, self.stride = size, stride
        self.dtype = storage.dtype if dtype is None else dtype
        self.parameter = False  # torch._utils._rebuild_parameter made it an nn.Parameter

    def materialise(self, path, budget):
        """Copy the view out of its storage, after checking it lies inside it."""
        what = f"a tensor in storage {self.storage.key}"
        size, stride = check_shape(path, what, self.size), self.stride
        if not isinstance(stride, (list, tuple)) or len(stride) != len(size) or not all(
                type(s) is int for s in stride) or type(self.offset) is not int:
            raise WeightsError(f"{path}: {what} has strides {stride!r:.80} / offset {self.offset!r:.40} "
                               f"that do not fit its shape {size}")
        if self.offset < 0 or any(s < 0 for s in stride):
            raise WeightsError(f"{path}: {what} has a negative offset or stride ({self.offset}, {stride}): "
                               "it would read memory outside the storage; the file is corrupt or crafted")
        if self.dtype is None or isinstance(self.dtype, str) and self.dtype != "bfloat16":
            raise unsupported(path, what)
        base, count = self._base(path, budget)
        end = self.offset + sum((n - 1) * s for n, s in zip(size, stride)) + 1 if numel(size) else 0
        if end > count:
            raise WeightsError(f"{path}: a tensor of shape {size} reaches past the end of storage "
                               f"{self.storage.key} ({count} elements): the file is truncated or corrupt")
        budget.take(numel(size) * base.itemsize, f"a tensor of shape {size}")
        if not numel(size):
            return np.empty(size, dtype=base.dtype)
        view = np.lib.stride_tricks.as_strided(base[self.offset:], size, [s * base.itemsize for s in stride])
        return np.array(view)  # a contiguous copy that owns its memory

    def _base(self, path, budget):
        """The storage's numbers as a 1-d array of this tensor's dtype, and how many the view may use."""
        storage = self.storage
        root = storage if storage.root is None else storage.root
        if root.array is None:
            raise WeightsError(f"{path}: storage {storage.key} is referenced but its data is missing")
        array, start, count = root.array, storage.offset, storage.numel
        if storage.dtype is None:  # raw bytes (UntypedStorage): read as this tensor's dtype, once per storage
            size = itemsize(self.dtype)
            if self.dtype not in root.typed:
                raw = array[:len(array) // size * size]
                if self.dtype == "bfloat16":
                    budget.take(len(raw) * 2, f"storage {storage.key} widened to float32")
                root.typed[self.dtype] = frombuffer(raw, self.dtype, "little", path)
            typed = root.typed[self.dtype]
            array, start, count = typed, start // size, count // size
        base = array[start:start + count]
        return base, len(base)  # the numbers really there, whatever the pickle declared


def _rebuild_parameter(data, requires_grad=False, *_ignored):
    if isinstance(data, LazyTensor):
        data.requires_grad, data.parameter = bool(requires_grad), True
    return data


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, hooks, dtype, *_rest):
    if not isinstance(dtype, Dtype):
        raise WeightsError(f"_rebuild_tensor_v3 got {type(dtype).__name__} where a dtype belongs")
    return LazyTensor(storage, storage_offset, size, stride, requires_grad, dtype=dtype.dtype or dtype.name)


def _device(kind, index=None):
    """torch.device('cuda', 0) stands in as the string 'cuda:0'."""
    return f"{kind}:{index}" if index is not None else str(kind)


def _encode(text, encoding="utf-8"):
    """_codecs.encode, as protocol-2 pickles spell bytes: encode(text, 'latin1')."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise WeightsError(f"_codecs.encode is asked for {type(text).__name__} in {encoding!r:.20}, not bytes "
                           "as pickle writes them")
    return text.encode("latin-1")


ALLOWED = {
    ("torch", "Size"): tuple,
    ("torch", "device"): _device,
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor"): LazyTensor,
    ("torch._utils", "_rebuild_tensor_v2"): LazyTensor,
    ("torch._utils", "_rebuild_tensor_v3"): _rebuild_tensor_v3,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
    ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter,
    # what torch.load(weights_only=True) also allows by default
    ("_codecs", "encode"): _encode,
    ("builtins", "set"): set,
    ("builtins", "bytearray"): bytearray,
    ("builtins", "complex"): complex,
    ("collections", "Counter"): collections.Counter,
}
COMPAT = {"__builtin__": "builtins", "copy_reg": "copyreg"}  # Python 2's names, which protocol 2 writes


class SafeUnpickler(pickle.Unpickler):
    """Knows only what a checkpoint needs; any other global is refused before it is called."""

    def __init__(self, file, path, persistent_load=None, trust=None, encoding="ASCII"):
        super().__init__(file, encoding=encoding)
        self.path, self._persistent = path, persistent_load
        self.trust, self.stand_ins = trust if trust is not None else Trust(), {}

    def find_class(self, module, name):
        module = COMPAT.get(module, module)
        if (module, name) in ALLOWED:
            return ALLOWED[(module, name)]
        if module == "torch" and name in STORAGE_DTYPES:
            return StorageType(name, STORAGE_DTYPES[name])
        if module in ("torch", "torch.storage") and name == "UntypedStorage":
            return StorageType(name, None)
        if module == "torch" and (name in TORCH_DTYPES or name in UNSUPPORTED_DTYPES):
            return Dtype(name)
        if module == "torch" and name.endswith("Storage"):  # ComplexFloatStorage, QInt8Storage, ...
            raise unsupported(self.path, f"a tensor of torch.{name}")
        full_name = f"{module}.{name}"
        if full_name not in self.stand_ins:
            found = self.trust.lookup(full_name)
            if found is None:
                raise self.trust.refuse(full_name)
            self.stand_ins[full_name] = stand_in(found[0], full_name, trusted=found[1])
        return self.stand_ins[full_name]

    def persistent_load(self, pid):
        if self._persistent is None:
            raise WeightsError(f"{self.path}: unexpected storage reference in a plain pickle")
        if not isinstance(pid, tuple) or len(pid) < 5 or pid[0] != "storage" or not isinstance(pid[1], StorageType):
            raise WeightsError(f"{self.path}: unknown storage reference {pid!r:.80}")
        return self._persistent(pid)


OBJECT_BYTES = 64  # what one opcode may build: a small Python object and the reference to it


def _count_opcodes(file, budget):
    """Walk the opcodes first (pickletools parses, it builds nothing), charging each to the budget:
    a pickle of a million 1-byte EMPTY_LIST opcodes would otherwise build a million lists."""
    start, count = file.tell(), 0
    for _ in pickletools.genops(file):
        count += 1
        if count % 4096 == 0:
            budget.take(4096 * OBJECT_BYTES, "the objects the pickle builds")
    budget.take(count % 4096 * OBJECT_BYTES, "the objects the pickle builds")
    file.seek(start)


def unpickle(file, path, budget, persistent_load=None, trust=None, encoding="ASCII"):
    """Run the allow-list unpickler on a seekable file; any malformed pickle becomes a WeightsError
    naming the file."""
    try:
        _count_opcodes(file, budget)
        return SafeUnpickler(file, path, persistent_load, trust, encoding).load()
    except WeightsError as err:
        raise type(err)(str(err) if str(err).startswith(str(path)) else f"{path}: {err}") from None
    except RecursionError:
        raise WeightsError(f"{path}: the pickle is nested too deeply to be a checkpoint") from None
