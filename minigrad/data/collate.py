"""Collation: a list of samples -> one batch, as torch.utils.data's default_collate.

- arrays / Tensors of one shape: stacked along a new first axis, into a Tensor;
- Python ints: an int64 Tensor; Python floats: float32 (torch: float64; minigrad computes in
  float32); bools: bool; strings: a list of strings;
- tuples and lists: collated position by position, returned as a list (torch does the same:
  `x, y = batch` unpacks it); dicts: key by key.
Floating arrays become float32 (a float64 sample would make the whole model float64 here);
integer arrays keep their dtype, as torch's.
"""
import numbers

import numpy as np

from .. import backend
from ..tensor import Tensor


def _as_tensor(array):
    """A batch array as a Tensor of the same dtype (Tensor(data) alone is PyTorch's float32 constructor)."""
    return Tensor(array, dtype=array.dtype)


def _stack(arrays):
    xp = backend.get_array_module(*arrays)
    x = xp.stack(arrays)
    return x.astype(np.float32) if np.issubdtype(x.dtype, np.floating) and x.dtype != np.float32 else x


def default_collate(batch):
    """[sample, ...] -> batch (see the module docstring)."""
    elem = batch[0]
    if isinstance(elem, (Tensor, np.ndarray)) or type(elem).__module__.startswith("cupy"):
        arrays = [e.array if isinstance(e, Tensor) else e for e in batch]
        shapes = {tuple(a.shape) for a in arrays}
        if len(shapes) > 1:
            raise ValueError(f"DataLoader: cannot stack samples of different shapes {sorted(shapes)} into one "
                             "batch; resize/crop them to one size in the data set's transform")
        return _as_tensor(_stack(arrays))
    if isinstance(elem, (bool, np.bool_)):
        return _as_tensor(np.asarray(batch, dtype=bool))
    if isinstance(elem, numbers.Integral):
        return _as_tensor(np.asarray(batch, dtype=np.int64 if isinstance(elem, int) else np.asarray(elem).dtype))
    if isinstance(elem, numbers.Real):
        return _as_tensor(np.asarray(batch, dtype=np.float32))
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, dict):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, (tuple, list)):
        if len({len(e) for e in batch}) > 1:
            raise ValueError("DataLoader: each element in the batch should be of equal size")
        return [default_collate(list(samples)) for samples in zip(*batch)]
    if elem is None:
        raise TypeError("DataLoader: a sample holds None, which cannot be batched")
    hint = (" (a PIL image: give the data set a transform that ends with ToTensor() or ToArray(), e.g. "
            "minigrad.data.tfms_from_model(arch, size))" if hasattr(elem, "getpixel") else "")
    raise TypeError(f"DataLoader: samples must be arrays, Tensors, numbers, or tuples/dicts of them to be "
                    f"stacked into a batch, got {type(elem).__name__}{hint}")


def default_convert(sample):
    """batch_size=None: one sample, arrays made Tensors, nothing stacked (torch's default_convert)."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind in "biuf":
        return _as_tensor(sample.astype(np.float32) if sample.dtype.kind == 'f' else sample)
    if isinstance(sample, dict):
        return {k: default_convert(v) for k, v in sample.items()}
    if isinstance(sample, tuple):
        return tuple(default_convert(v) for v in sample)
    if isinstance(sample, list):
        return [default_convert(v) for v in sample]
    return sample


collate = default_collate  # minigrad's earlier name
