"""Factories PyTorch builds from others (factories.py holds those): logspace (base to the power of a
linspace), randint_like (randint in another tensor's shape) and as_tensor (a tensor that shares the
data's memory where it can: the tensor itself, or a numpy array's memory)."""
import numpy as np

from . import dtypes
from .factories import linspace, randint, zeros_like
from .tensor import Tensor, from_numpy, tensor


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """steps numbers from base**start to base**end, their exponents evenly spaced (linspace's)."""
    dtype = dtypes.as_dtype(dtype) or dtypes.float32
    if dtype == dtypes.bool and steps > 1:
        raise NotImplementedError("\"logspace_cpu\" not implemented for 'Bool'")
    for end_value in (start, end):
        dtypes.check_fits(end_value, dtype)
    exponents = linspace(start, end, steps, dtype=dtype if dtype.kind == "f" else dtypes.float64).array
    with np.errstate(over="ignore"):
        values = np.power(np.float64(base), exponents.astype(np.float64))
    return tensor(values, dtype=dtype, device=device, requires_grad=requires_grad)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False):
    """Integers in [low, high) in input's shape, dtype and memory order: randint_like(x, high) or
    randint_like(x, low, high). randint's draws, written into zeros_like's tensor."""
    low, high = (0, low) if high is None else (low, high)
    out = zeros_like(input, dtype=dtype, device=device)
    out.array[...] = randint(low, high, input.shape, dtype=out.dtype, device=out.device).array
    return out.requires_grad_(requires_grad) if requires_grad else out


def as_tensor(data, dtype=None, device=None):
    """data as a Tensor, sharing its memory where no conversion is needed: a Tensor of this dtype and
    device is returned itself, a numpy array of a dtype minigrad has is wrapped; anything else is
    copied, as by minigrad.tensor."""
    dtype = dtypes.as_dtype(dtype)
    if isinstance(data, Tensor):
        return data.to(dtype=dtype or data.dtype, device=device or data.device)
    if isinstance(data, np.ndarray) and data.dtype in dtypes.LEGACY_TYPES:
        shared = from_numpy(data)
        return shared.to(dtype=dtype or shared.dtype, device=device or shared.device)
    return tensor(data, dtype=dtype, device=device)
