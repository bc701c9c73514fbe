"""Python data as a tensor's array, read as torch.tensor reads it: nested lists of numbers and
one-element tensors, numpy and cupy arrays, with PyTorch's dtype inference (ints int64, bools bool,
floats float32); and the gradient `backward(gradient)` starts from. A first reading may skip this
file."""
import numpy as np

from . import array_module, dtypes
from .device import device


def _numbers(data, dtype, kept):
    """A list's Tensors as the numbers they hold, as torch.tensor reads them: one-element tensors only,
    each keeping its dtype (a float64 tensor's number stays float64: `kept` records it)."""
    if hasattr(data, "_result_class"):
        if data.array.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if dtype is not None and dtype.kind in "iub" and data.dtype.kind == "f":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        kept.add(data.dtype)
        return array_module.to_device(data.array, "cpu").reshape(())
    if isinstance(data, (list, tuple)):
        return [_numbers(d, dtype, kept) for d in data]
    return data


def to_array(data, dtype, dev):
    """Anything array-like as a new array on `dev` (a copy, as torch.tensor makes)."""
    dtype, kept = dtypes.as_dtype(dtype), set()
    if hasattr(data, "_result_class"):
        data = data.array
    elif isinstance(data, (list, tuple)):
        data = _numbers(data, dtype, kept)
    if not hasattr(data, "dtype"):  # Python numbers: checked as torch.tensor reads them
        data = dtypes.from_python(data, dtype)
    source = array_module.device_of(data)
    dev = source if dev is None else array_module.check_device(str(device(dev)))
    if dev != source:
        data = array_module.to_device(data, dev)
    xp = array_module.xp_for(dev)
    array = xp.array(data, dtype=dtype)
    if dtype is not None:
        return array
    if array.dtype.kind == "f" and array.dtype != dtypes.float32 and dtypes.float64 not in kept:
        with np.errstate(over="ignore"):  # 1e39 is inf in float32, silently as in PyTorch
            array = array.astype(dtypes.float32)  # minigrad's rule: float data becomes float32
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a tensor from data of dtype {array.dtype}: give numbers or a numeric array")
    return array


def seed_gradient(t, gradient):
    """The array t.backward(gradient) starts from: d(some scalar)/d(t), 1 for a one-element t."""
    if gradient is None:
        if t.array.size != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but this tensor has shape "
                f"{tuple(t.shape)}: reduce it first (loss.sum() or loss.mean()), or pass "
                f"backward(gradient) with a tensor of shape {tuple(t.shape)}")
        return array_module.get_array_module(t.array).ones_like(t.array)
    grad = gradient.array if hasattr(gradient, "_result_class") else gradient
    grad = array_module.xp_for(array_module.device_of(t.array)).asarray(
        array_module.to_device(grad, array_module.device_of(t.array)) if hasattr(grad, "shape") else grad,
        dtype=t.dtype)
    if grad.shape != t.shape:
        raise RuntimeError(f"backward(gradient): gradient has shape {tuple(grad.shape)}, but the tensor "
                           f"has shape {tuple(t.shape)}")
    return grad
