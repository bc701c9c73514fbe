"""`device=` and `dtype=` on a layer's constructor (PyTorch's factory_kwargs): the layer's parameters
are made in that dtype (float32 by default) on that device, and initialised there, so
`nn.Linear(3, 4, dtype=minigrad.float64, device="cuda")` never holds a float32 or host copy."""
import numpy as np

from .. import array_module, dtypes
from .module import Parameter


def empty_array(shape, device=None, dtype=None, fill=0):
    """An array of `shape` filled with `fill`, in `dtype` (float32 if None) on `device` (the CPU if None).
    A trained weight must be floating point, as PyTorch says."""
    dtype = dtypes.float32 if dtype is None else dtypes.as_dtype(dtype)
    if not dtypes.is_floating_point(dtype):
        raise RuntimeError(f"Only Tensors of floating point and complex dtype can require gradients "
                           f"(a layer's dtype= must be floating, got {dtypes.name(dtype)})")
    array = np.full(shape, fill, dtype=dtype)
    if device is None:
        return array
    return array_module.to_device(array, array_module.check_device(str(device).split(":")[0]))


def empty_parameter(shape, device=None, dtype=None, fill=0):
    """A Parameter of `shape` (zeros, or `fill`), for the layer's initialisation to overwrite."""
    return Parameter(empty_array(shape, device, dtype, fill))
