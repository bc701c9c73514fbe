"""Collation: a list of samples -> one batch, as torch.utils.data's default_collate.

- Tensors of one shape: stacked along a new first axis, keeping their dtype; numpy arrays the same,
  except that floating arrays become float32 (minigrad's rule for float data: a float64 sample
  would make the whole model float64);
- Python ints (and bools): a Tensor of the dtype torch.tensor(batch) infers (int64; float32 when
  a float is among them; bool); Python floats: float32 (torch: float64; minigrad computes in
  float32); numpy scalars: their dtype (floats float32); strings and bytes: left as they are;
- tuples and lists: collated position by position, returned as a list (torch does the same:
  `x, y = batch` unpacks it); named tuples stay named tuples; dicts: key by key, of the same type.
Anything else is refused with torch's TypeError.
"""
import collections.abc
import copy
import numbers

import numpy as np

from .. import array_module
from ..tensor import Tensor


def _as_tensor(array):
    """A batch array as a Tensor of the same dtype (Tensor(data) alone is PyTorch's float32 constructor)."""
    return Tensor(array, dtype=array.dtype)


def _float32(array):
    """minigrad's rule for float data that is not yet a Tensor: float32."""
    return array.astype(np.float32) if array.dtype.kind == "f" and array.dtype != np.float32 else array


def _refuse(what):
    hint = (" (a PIL image: give the data set a transform that ends with ToTensor() or ToArray(), e.g. "
            "minigrad.data.tfms_from_model(arch, size))" if hasattr(what, "getpixel") else "")
    found = what.dtype if _is_array(what) else type(what)
    return TypeError(f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
                     f"found {found}{hint}")


def _is_array(x):
    return isinstance(x, np.ndarray) or type(x).__module__.startswith("cupy")


def _stack(batch):
    """Tensors or arrays of one shape -> one Tensor with a new first axis (torch.stack's error otherwise)."""
    arrays = [e.array if isinstance(e, Tensor) else e for e in batch]
    for k, a in enumerate(arrays):
        if a.shape != arrays[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(arrays[0].shape)} at entry "
                               f"0 and {list(a.shape)} at entry {k} (resize or crop the samples to one size in "
                               "the data set's transform)")
    if _is_array(batch[0]) and arrays[0].dtype.kind not in "biuf":
        raise _refuse(arrays[0])
    x = array_module.get_array_module(*arrays).stack(arrays)
    return _as_tensor(x if isinstance(batch[0], Tensor) else _float32(x))


def _rebuild(elem, values):
    """values (a dict or a list) in a collection of elem's type, as torch's collate builds it (falling
    back to the plain dict or list when that type cannot be built so)."""
    try:
        if isinstance(elem, (collections.abc.MutableMapping, collections.abc.MutableSequence)):
            clone = copy.copy(elem)
            for key, value in (values.items() if isinstance(values, dict) else enumerate(values)):
                clone[key] = value
            return clone
        return type(elem)(values)
    except TypeError:
        return values


def default_collate(batch):
    """[sample, ...] -> batch (see the module docstring)."""
    elem = batch[0]
    if isinstance(elem, Tensor) or _is_array(elem):
        return _stack(batch)
    if isinstance(elem, (np.number, np.bool_)):
        return _as_tensor(_float32(np.asarray(batch)))
    if isinstance(elem, float):
        return _as_tensor(np.asarray(batch, dtype=np.float32))
    if isinstance(elem, numbers.Integral):  # bools too: the dtype torch.tensor(batch) would infer
        return _as_tensor(_float32(np.asarray(batch)))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a named tuple stays one
        return type(elem)(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(e) != len(elem) for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        columns = [default_collate(samples) for samples in zip(*batch)]
        return columns if isinstance(elem, tuple) else _rebuild(elem, columns)  # tuples give a list, as torch's
    raise _refuse(elem)


def default_convert(sample):
    """batch_size=None: one sample, numpy arrays and scalars made Tensors (floats float32), nothing
    stacked, tuples made lists (torch's default_convert)."""
    if isinstance(sample, Tensor):
        return sample
    if isinstance(sample, (np.ndarray, np.number, np.bool_)):
        array = np.asarray(sample)
        return _as_tensor(_float32(array)) if array.dtype.kind in "biuf" else sample
    if isinstance(sample, collections.abc.Mapping):
        return _rebuild(sample, {key: default_convert(sample[key]) for key in sample})
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, tuple):
        return [default_convert(v) for v in sample]
    if isinstance(sample, collections.abc.Sequence) and not isinstance(sample, (str, bytes)):
        return _rebuild(sample, [default_convert(v) for v in sample])
    return sample


collate = default_collate  # minigrad's earlier name
