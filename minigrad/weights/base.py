"""What every reader shares: the error class, the dtype tables, bytes -> array, and the two
rules that keep a crafted file from costing more than it holds.

A weight file is untrusted input. Each reader checks what the file *declares* (sizes, offsets,
strides, element counts) against what it really *holds* before allocating anything, and counts
the bytes it builds in a `Budget`: at most `FACTOR` times the file's size plus `SLACK`.
An honest file needs at most 5x (its bytes, bfloat16 widened to float32, then each tensor
copied out of its storage); more means the file promises data it does not contain (a stride-0 view, a zip bomb).
"""
import numpy as np

FACTOR = 6                # bytes built per byte of file
SLACK = 16 << 20          # ...plus this much, so tiny files may still hold a small broadcast view
MAX_DEPTH = 100           # nesting of dicts/lists a checkpoint may have


class WeightsError(ValueError):
    """A weight file that cannot be read; the message names the file and the problem."""


# PyTorch's storage classes (the legacy typed storages every torch.save still writes) and dtypes
STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "BFloat16Storage": "bfloat16", "LongStorage": np.int64, "IntStorage": np.int32,
    "ShortStorage": np.int16, "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}
TORCH_DTYPES = {
    "float32": np.float32, "float64": np.float64, "float16": np.float16, "bfloat16": "bfloat16",
    "int64": np.int64, "int32": np.int32, "int16": np.int16, "int8": np.int8, "uint8": np.uint8,
    "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64, "bool": np.bool_,
}
# dtypes torch has and numpy (so minigrad) has not: named so the error can say "not supported"
UNSUPPORTED_DTYPES = ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "float8_e8m0fnu",
                      "float4_e2m1fn_x2", "complex32", "complex64", "complex128", "cfloat", "cdouble",
                      "chalf", "qint8", "quint8", "qint32", "quint4x2", "quint2x4", "bits8", "bits16",
                      "uint1", "uint2", "uint3", "uint4", "uint5", "uint6", "uint7", "int1", "int2", "int3",
                      "int4", "int5", "int6", "int7")


def unsupported(path, what):
    return WeightsError(f"{path}: {what} has a dtype minigrad does not support (numpy has no such type); "
                        "convert it in PyTorch first, e.g. state = {k: v.float() for k, v in state.items()}")


def itemsize(dtype):
    return 2 if dtype == "bfloat16" else np.dtype(dtype).itemsize


def frombuffer(data, dtype, byteorder, path):
    """Raw bytes -> a 1-d array of `dtype` (bfloat16 widened to float32, which is its top half)."""
    size = itemsize(dtype)
    if len(data) % size:
        raise WeightsError(f"{path}: a storage of {len(data)} bytes is not a whole number of {dtype} values")
    if dtype == "bfloat16":  # numpy has no bfloat16
        raw = np.frombuffer(data, dtype=np.dtype("<u2" if byteorder == "little" else ">u2"))
        return (raw.astype(np.uint32) << 16).view(np.float32)
    dt = np.dtype(dtype).newbyteorder("<" if byteorder == "little" else ">")
    return np.frombuffer(data, dtype=dt).astype(np.dtype(dtype), copy=False)


def numel(shape):
    """The element count of a declared shape, as a Python int (no overflow, no allocation)."""
    count = 1
    for n in shape:
        count *= n
    return count


def check_shape(path, what, shape):
    if not isinstance(shape, (list, tuple)) or len(shape) > 32 or not all(
            type(n) is int and n >= 0 for n in shape):
        raise WeightsError(f"{path}: {what} has an invalid shape {shape!r:.80}")
    return tuple(shape)


class Budget:
    """Counts the bytes a load builds; refuses, before allocating, what the file cannot honestly need."""

    def __init__(self, path, file_size):
        self.path, self.file_size = path, file_size
        self.left = FACTOR * file_size + SLACK

    def take(self, nbytes, what):
        if nbytes > self.left:
            raise WeightsError(
                f"{self.path}: {what} would need {nbytes:,} bytes, far more than a file of {self.file_size:,} bytes "
                "can hold (a broadcast view or a compressed record that inflates): refused")
        self.left -= nbytes
