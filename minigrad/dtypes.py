"""dtypes and PyTorch's type promotion.

minigrad's dtypes are numpy's (`minigrad.float32 is np.dtype('float32')`), so
`x.dtype == minigrad.float32` and `x.dtype == np.float32` both work.

PyTorch's promotion rule, which minigrad follows: the categories are ordered
bool < integer < floating. Operands come in three tiers: tensors with
dimensions, zero-dimensional tensors, Python numbers. A lower tier changes the
result's dtype only when its category is higher: int tensor + 2.5 is float32
(the default float), int8 tensor + 300 stays int8, float32 tensor + a 0-d
float64 tensor stays float32, but an int tensor + a 0-d float64 tensor is float64.
"""
import builtins

import numpy as np

float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
float16 = half = np.dtype(np.float16)
int64 = long = np.dtype(np.int64)
int32 = int = np.dtype(np.int32)
int16 = short = np.dtype(np.int16)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
bool = np.dtype(np.bool_)

default_float = float32
_SCALAR = {builtins.bool: bool, builtins.int: int64, builtins.float: float32}
_NAMES = {float32: "float32", float64: "float64", float16: "float16", int64: "int64", int32: "int32",
          int16: "int16", int8: "int8", uint8: "uint8", bool: "bool"}


def category(dtype):
    """0 for bool, 1 for integers, 2 for floating point."""
    kind = dtype.kind
    return 0 if kind == "b" else 2 if kind in "fc" else 1


def is_floating_point(dtype):
    return dtype.kind == "f"


def name(dtype):
    return _NAMES.get(dtype, str(dtype))


# PyTorch's legacy tensor types, one per dtype: x.type() is 'minigrad.FloatTensor' (minigrad/legacy.py)
LEGACY_TYPES = {float32: "FloatTensor", float64: "DoubleTensor", float16: "HalfTensor", int64: "LongTensor",
                int32: "IntTensor", int16: "ShortTensor", int8: "CharTensor", uint8: "ByteTensor", bool: "BoolTensor"}


def from_legacy_name(type_name):
    """The dtype of 'torch.FloatTensor', 'minigrad.cuda.LongTensor', 'FloatTensor'..."""
    for dtype, legacy in LEGACY_TYPES.items():
        if type_name.rsplit(".", 1)[-1] == legacy:
            return dtype
    raise ValueError(f"invalid type: '{type_name}'")


def as_dtype(dtype):
    """np.dtype of anything naming a dtype (minigrad.float32, np.float32, 'float32', float, int, bool)."""
    if dtype is None:
        return None
    if dtype in _SCALAR:
        return _SCALAR[dtype]
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype: use e.g. minigrad.float32, minigrad.int64 or minigrad.bool") from None


def _promote(a, b):
    ca, cb = category(a), category(b)
    if ca != cb:
        return a if ca > cb else b
    return np.promote_types(a, b)


def result_type(dims, zero_dims, scalars):
    """The dtype of an op on tensors with dimensions (their dtypes), 0-d tensors, and Python numbers."""
    result = None
    for tier in (dims, zero_dims, [scalar_dtype(s) for s in scalars]):
        tier_dtype = None
        for d in tier:
            tier_dtype = d if tier_dtype is None else _promote(tier_dtype, d)
        if tier_dtype is not None and (result is None or category(tier_dtype) > category(result)):
            result = tier_dtype
    return result


def scalar_dtype(value):
    """The dtype PyTorch gives a Python number: bool, int64, or the default float32."""
    if isinstance(value, builtins.bool) or isinstance(value, np.bool_):
        return bool
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    if isinstance(value, (builtins.float, np.floating)):
        return float32
    raise TypeError(f"expected a Tensor or a Python number, got {type(value).__name__}")


_C_NAMES = {uint8: "uint8_t", int8: "int8_t", int16: "int16_t", int32: "int", int64: "int64_t", float16: "c10::Half",
            float32: "float", float64: "double"}


def check_fits(value, dtype):
    """PyTorch's check before filling a tensor of `dtype` with the number `value` (full, new_full,
    fill_, linspace's ends): an integer dtype takes an integer in its range (a negative one down to
    -max for an unsigned dtype, which wraps around) or a finite float in its range; a float dtype any
    value up to its largest, and inf or NaN. Anything else raises, as PyTorch's c10 overflow check."""
    value = value.item() if hasattr(value, "item") else value
    if dtype.kind == "b" or isinstance(value, (builtins.bool, np.bool_)):
        return
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if isinstance(value, (builtins.int, np.integer)):
            fits = info.min <= value <= info.max or dtype.kind == "u" and -builtins.int(info.max) <= value < 0
        else:
            fits = np.isfinite(value) and info.min <= value <= info.max
    else:
        fits = not np.isfinite(value) or abs(value) <= builtins.float(np.finfo(dtype).max)  # compared as Python floats
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES.get(dtype, name(dtype))} without overflow")


def fill_value(value, dtype):
    """`value` as a number of `dtype` after check_fits: a float truncated toward zero into an integer
    dtype, a negative integer wrapped around into an unsigned one (-1 is 255 in uint8), as PyTorch."""
    check_fits(value, dtype)
    value = value.item() if hasattr(value, "item") else value
    if dtype.kind in "iu" and not isinstance(value, (builtins.bool, np.bool_)):
        return np.array(builtins.int(value), dtype=np.int64).astype(dtype)[()]
    return dtype.type(value)


def from_python(data, dtype=None):
    """Python numbers (nested lists or tuples of them) as a host array, read as torch.tensor reads
    them: anything but a number is refused (None is no NaN), an integer beyond int64 is refused
    unless the dtype is floating, and each value must fit an integer `dtype` (check_fits' rule,
    applied to the whole array); the dtype is numpy's guess when `dtype` is None."""
    array = np.array(data)
    if array.dtype.kind in "OUS" or array.dtype == np.uint64:  # not all numbers, or integers beyond int64
        odd = _not_numbers(data)
        if odd:
            what = type(odd[0]).__name__
            if isinstance(data, str) or dtype is None and isinstance(odd[0], str):
                raise TypeError(f"new(): invalid data type '{what}'")
            if dtype is None:
                raise RuntimeError(f"Could not infer dtype of {what}")
            if dtype.kind == "f":
                raise TypeError(f"must be real number, not {what}")
            raise TypeError(f"'{what}' object cannot be interpreted as an integer")
        if dtype is None or dtype.kind != "f":  # PyTorch reads an int64 there; a float dtype reads a double
            raise ValueError("Overflow when unpacking long long")
        return np.array(data, dtype=dtype)
    if dtype is not None and dtype.kind in "iu" and array.size:
        info = np.iinfo(dtype)
        low = info.min if dtype.kind == "i" or array.dtype.kind == "f" else -builtins.int(info.max)
        with np.errstate(invalid="ignore"):
            fits = (array >= low) & (array <= info.max)  # False at NaN
        if not fits.all():
            raise RuntimeError(f"value cannot be converted to type {name(dtype)} without overflow")
    with np.errstate(over="ignore"):  # 1e39 in float32 is inf, silently
        return array if dtype is None else array.astype(dtype)


def _not_numbers(data):
    """[the first element of nested lists that is not a number], or [] where all are."""
    if isinstance(data, (list, tuple)):
        for d in data:
            odd = _not_numbers(d)
            if odd:
                return odd
        return []
    return [] if isinstance(data, (builtins.int, builtins.float, np.generic, np.ndarray)) else [data]
