"""PyTorch's two checkpoint formats, read without PyTorch.

- zip (torch.save since 1.6): `<name>/data.pkl` (the pickled structure), `<name>/byteorder`,
  and one record `<name>/data/<key>` of raw bytes per storage.
- legacy (before 1.6, like the lecture's resnet34-333f7ec4.pth): a magic number, a version and
  system info (three small pickles), the pickled structure, the list of storage keys, then each
  storage as an int64 element count followed by its raw bytes.

Both return the unpickled structure with `LazyTensor`s whose storages are filled in; every size
the file declares is checked against the bytes it holds before anything is allocated.

How a .pth becomes arrays, the normal path (`read_zip`), for a reader who wants the idea:
1. The file is a zip archive; `<name>/data.pkl` is a pickle of the state dict.
2. Unpickling it (unpickle.py's `SafeUnpickler`, which builds only the few classes a state dict
   names: never code from the file) meets each tensor as `torch._utils._rebuild_tensor_v2(storage,
   offset, size, stride)`, which becomes a `LazyTensor`; its storage is a persistent id, a key.
3. `persistent_load(key)` reads the record `<name>/data/<key>`: the storage's raw bytes, as
   numbers of the storage's dtype in the file's byte order (its `byteorder` record; `frombuffer`).
   `reader.load_weights` is the entry point that picks this reader by the file's first bytes.
4. `LazyTensor.materialise` (unpickle.py) views those numbers with numpy's `as_strided` at the
   tensor's offset, size and stride, and copies the view out: the tensor's array.
Everything else here (`_record`'s size checks, budgets, the legacy format) guards that path
against truncated, oversized or crafted files.
"""
import io
import struct

import numpy as np

from .base import WeightsError, frombuffer, itemsize
from .unpickle import Storage, unpickle

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


def _record(archive, name, need, path, budget, what):
    """The bytes of one zip member, after checking its declared size (a zip bomb is refused unread)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise WeightsError(f"{path}: {what} is missing from the archive (truncated file?)") from None
    if need is not None and info.file_size != need:
        raise WeightsError(f"{path}: {what} should hold {need:,} bytes but its record holds {info.file_size:,}: "
                           "the file is corrupt or crafted")
    budget.take(info.file_size, what)
    with archive.open(info) as member:
        data = member.read(info.file_size)
    if len(data) != info.file_size:
        raise WeightsError(f"{path}: {what} ends early: the file is truncated")
    return data


def _array(storage, data, byteorder, path, budget):
    array = frombuffer(data, storage.dtype or np.uint8, byteorder, path)
    if storage.dtype == "bfloat16":
        budget.take(array.nbytes, f"storage {storage.key} widened to float32")
    return array


def read_zip(path, archive, budget, trust=None, encoding="ASCII"):
    """The structure pickled in a zip checkpoint, storages attached."""
    names = archive.namelist()
    pickles = [n for n in names if n == "data.pkl" or n.endswith("/data.pkl")]
    if not pickles:
        raise WeightsError(f"{path}: a zip file, but neither a PyTorch checkpoint (no data.pkl) nor an .npz")
    prefix = pickles[0][:-len("data.pkl")]
    byteorder = "little"
    if prefix + "byteorder" in names:
        byteorder = _record(archive, prefix + "byteorder", None, path, budget, "the byteorder record")[:16].decode()
        if byteorder not in ("little", "big"):
            raise WeightsError(f"{path}: unknown byte order {byteorder!r}")
    storages = {}

    def persistent_load(pid):
        _typename, storage_type, key, location, count = pid[:5]
        if str(key) not in storages:
            storage = Storage(storage_type, key, count)
            storage.location = str(location)
            size = itemsize(storage.dtype or np.uint8)
            data = _record(archive, f"{prefix}data/{storage.key}", count * size, path, budget,
                           f"storage {storage.key} ({count:,} values)")
            storage.array = _array(storage, data, byteorder, path, budget)
            storages[storage.key] = storage
        return storages[str(key)]

    data = _record(archive, pickles[0], None, path, budget, "data.pkl")
    return unpickle(io.BytesIO(data), path, budget, persistent_load, trust, encoding)  # BytesIO shares the bytes


class Capped:
    """A file whose reads never ask for more than it has left: a length declared inside a pickle
    (BINUNICODE of 2**60 bytes) would otherwise make the read allocate that much up front."""

    def __init__(self, f, size):
        self.f, self.size, self.pos = f, size, f.tell()  # pos kept here: f.tell() is a system call

    def read(self, n=-1):
        left = self.size - self.pos
        data = self.f.read(left if n is None or n < 0 else min(n, left))
        self.pos += len(data)
        return data

    def readline(self):
        line = self.f.readline()
        self.pos += len(line)
        return line

    def tell(self):
        return self.pos

    def seek(self, pos):
        self.pos = self.f.seek(pos)
        return self.pos


def read_legacy(path, f, file_size, budget, trust=None, encoding="ASCII"):
    """The structure pickled in a legacy checkpoint, storages attached."""
    if unpickle(f, path, budget) != LEGACY_MAGIC:
        raise WeightsError(f"{path}: not a PyTorch checkpoint (wrong magic number)")
    version = unpickle(f, path, budget)
    if version != 1001:
        raise WeightsError(f"{path}: unsupported legacy PyTorch format version {version!r:.40}")
    sys_info = unpickle(f, path, budget)
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    byteorder = "little" if little else "big"
    storages = {}

    def persistent_load(pid):
        if len(pid) != 6:
            raise WeightsError(f"{path}: unknown storage reference {pid!r:.80}")
        _typename, storage_type, key, location, count, view = pid
        root = storages.setdefault(str(key), Storage(storage_type, key, count))
        root.location = str(location)
        if view is None:
            return root
        if not (isinstance(view, tuple) and len(view) == 3):
            raise WeightsError(f"{path}: storage view {view!r:.80} is malformed")
        view_key, offset, size = view
        if not (type(offset) is int and type(size) is int and offset >= 0 and size >= 0
                and offset + size <= root.numel):
            raise WeightsError(f"{path}: a view ({offset}, {size}) lies outside storage {root.key} "
                               f"({root.numel} elements): the file is corrupt or crafted")
        if str(view_key) not in storages:
            storages[str(view_key)] = part = Storage(storage_type, view_key, size)
            part.root, part.offset, part.location = root, offset, root.location
        return storages[str(view_key)]

    obj = unpickle(f, path, budget, persistent_load, trust, encoding)
    keys = unpickle(f, path, budget)
    if not isinstance(keys, list):
        raise WeightsError(f"{path}: the list of storages is a {type(keys).__name__}")
    for key in keys:  # each: int64 element count, then the raw bytes
        storage = storages.get(str(key))
        if storage is None or storage.root is not None:
            raise WeightsError(f"{path}: storage {key!r:.40} has data but nothing refers to it")
        head = f.read(8)
        if len(head) < 8:
            raise WeightsError(f"{path}: the file ends before storage {key}: truncated download?")
        count = struct.unpack("<q" if little else ">q", head)[0]
        need = count * itemsize(storage.dtype or np.uint8)
        if count != storage.numel or need > file_size - f.tell():
            raise WeightsError(f"{path}: storage {key} declares {count:,} values ({storage.numel:,} expected) but "
                               f"{file_size - f.tell():,} bytes are left: truncated or corrupt")
        budget.take(need, f"storage {key}")
        storage.array = _array(storage, f.read(need), byteorder, path, budget)
    return obj

