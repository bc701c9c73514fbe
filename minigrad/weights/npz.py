"""minigrad's own .npz (numpy's format: a zip with one .npy file per array), read member by member.

`np.load` would allocate whatever shape a member's header declares before reading a byte (and a
compressed member may inflate without limit), and it hands back any member that is not a .npy
as raw bytes. So each member's header is read first and checked against the member's size.
"""
import collections

import numpy as np
import numpy.lib.format as npy

from .base import WeightsError, check_shape, numel


def is_npz(names):
    return bool(names) and all(n.endswith(".npy") for n in names)


def _member(path, archive, info, budget):
    name = info.filename[:-len(".npy")]
    with archive.open(info) as f:
        try:
            version = npy.read_magic(f)
            read_header = npy.read_array_header_1_0 if version == (1, 0) else npy.read_array_header_2_0
            shape, fortran, dtype = read_header(f, max_header_size=10000)
        except ValueError as err:
            raise WeightsError(f"{path}: member {info.filename!r} is not a readable .npy ({err})") from None
        if dtype.hasobject or dtype.kind not in "biuf":
            raise WeightsError(f"{path}: array {name!r} holds {dtype} data; only numeric arrays are read "
                               "(object arrays would need pickle)")
        shape = check_shape(path, f"array {name!r}", shape)
        need = numel(shape) * dtype.itemsize
        if info.file_size - f.tell() != need:
            raise WeightsError(f"{path}: array {name!r} declares shape {shape} ({need:,} bytes) but its member "
                               f"holds {info.file_size - f.tell():,}: corrupt or crafted")
        budget.take(need, f"array {name!r}")
        data = f.read(need)
    if len(data) != need:
        raise WeightsError(f"{path}: array {name!r} ends early: the file is truncated")
    array = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    return name, np.array(array, dtype=dtype.newbyteorder("="), order="C")


def read(path, archive, budget):
    """{name: numpy array} from an open .npz archive."""
    out = collections.OrderedDict()
    for info in archive.infolist():
        if not info.filename.endswith(".npy"):
            raise WeightsError(f"{path}: member {info.filename!r} is not a .npy array: not an .npz minigrad wrote")
        name, array = _member(path, archive, info, budget)
        out[name] = array
    return out
