"""Writing PyTorch's zip checkpoint format without PyTorch, so `torch.load` reads what minigrad saves.

The file is a zip of: `archive/data.pkl`, the structure as a pickle (protocol 2, written by
pickler.py) in which each tensor is a call to `torch._utils._rebuild_tensor_v2(storage, offset,
shape, strides, requires_grad, OrderedDict())` and each storage a persistent id ("storage",
torch.FloatStorage, key, "cpu", numel); `archive/data/<key>`, each storage's raw little-endian bytes
(aligned to 64 bytes, as torch writes them); `archive/byteorder` and `archive/version`. A checkpoint
of tensors, containers, numbers and strings uses only names that `torch.load(weights_only=True)`
allows by default, and that minigrad's own allow-list reader accepts.
"""
import struct
import zipfile

import numpy as np

from .pickler import PickleWriter

ALIGN = 64


def _write_aligned(archive, name, data):
    """Add a stored member whose bytes start at a multiple of ALIGN (torch can then mmap them)."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    start = archive.fp.tell() + 30 + len(name.encode()) + 4  # local header, name, the extra field's own head
    pad = -start % ALIGN
    info.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad  # the padding field torch itself writes
    archive.writestr(info, data)


def write(f, obj, is_array):
    """Write `obj` to the open binary file `f` (seekable) in PyTorch's zip format."""
    writer = PickleWriter(is_array)
    pickled = writer.dump(obj)
    with zipfile.ZipFile(f, "w", zipfile.ZIP_STORED) as archive:
        _write_aligned(archive, "archive/data.pkl", pickled)
        _write_aligned(archive, "archive/byteorder", b"little")
        for key, array in enumerate(writer.storages):
            data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).reshape(-1)
            _write_aligned(archive, f"archive/data/{key}", memoryview(data.view(np.uint8)))
        _write_aligned(archive, "archive/version", b"3\n")
