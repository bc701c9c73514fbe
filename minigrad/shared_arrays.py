"""Arrays in memory that several processes share: where Tensor.share_memory_() moves a tensor's
numbers, so that processes started afterwards, or sent the tensor, read and update the very same
numbers (Hogwild training: several processes, one model).

The memory is an anonymous file (memfd on Linux, an unlinked temporary file elsewhere on POSIX)
mapped with MAP_SHARED. A child made by fork inherits the mapping itself; any other process is
handed a duplicate of the file's descriptor (multiprocessing's own way of passing one: see
minigrad/multiprocessing.py) and maps the same file. Each mapping is a `SharedMap`, an mmap that
keeps its descriptor; an array is shared when a SharedMap lies at the bottom of its `.base` chain.
"""
import mmap
import os
import tempfile
import weakref

import numpy as np


class SharedMap(mmap.mmap):
    """A MAP_SHARED mapping of a whole anonymous file; `fd` stays open while the mapping lives."""

    def __new__(cls, fd, size):
        self = super().__new__(cls, fd, size, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ | mmap.PROT_WRITE)
        self.fd, self.size = fd, size
        weakref.finalize(self, os.close, fd)
        return self


def new_map(nbytes):
    """A fresh shared mapping of nbytes (at least 1: mmap refuses 0), filled with zeros."""
    if os.name != "posix":
        raise NotImplementedError("shared-memory tensors need a POSIX system (Linux or macOS)")
    size = max(int(nbytes), 1)
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("minigrad-shared-tensor", os.MFD_CLOEXEC)
    else:
        with tempfile.TemporaryFile() as f:  # unlinked already: only descriptors keep it
            fd = os.dup(f.fileno())
    os.ftruncate(fd, size)
    return SharedMap(fd, size)


def shared_map(array):
    """The SharedMap an array's memory belongs to, or None."""
    base = array
    while base is not None:
        if isinstance(base, SharedMap):
            return base
        base = base.obj if isinstance(base, memoryview) else getattr(base, "base", None)
    return None


def is_shared(array):
    return isinstance(array, np.ndarray) and shared_map(array) is not None


def share(array):
    """A copy of `array` (same dtype, shape and values, C order) in new shared memory."""
    mapping = new_map(array.nbytes)
    out = np.ndarray(array.shape, array.dtype, buffer=mapping)
    out[...] = array
    return out


def offset_in(array, mapping):
    """Where the array's first element lies in its mapping, in bytes."""
    start = np.ndarray((1,), np.uint8, buffer=mapping).__array_interface__["data"][0]
    return array.__array_interface__["data"][0] - start


def from_map(mapping, dtype, shape, strides, offset):
    """The array (a view, no copy) that another process described by dtype, shape, strides and offset."""
    return np.ndarray(shape, np.dtype(dtype), buffer=mapping, offset=offset, strides=strides)
