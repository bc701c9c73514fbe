"""torch.utils.data's data set classes: `Dataset`, `TensorDataset`, `Subset`.

A data set is anything with `__len__` and `__getitem__(i) -> sample`; `Dataset` is the
base class PyTorch code subclasses (it adds nothing but `+`, which concatenates).
"""
import bisect

import numpy as np

from ..tensor import Tensor


class Dataset:
    """Subclass it and define `__getitem__` (and `__len__`)."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index) -> sample")

    def __add__(self, other):
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """torch's TensorDataset(*tensors): item i is `tuple(t[i] for t in tensors)`; every tensor (or
    array) must have the same first dimension. With a DataLoader, `TensorDataset(x, y)` gives
    batches `[x[batch], y[batch]]`."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        sizes = [len(t) for t in tensors]
        if len(set(sizes)) > 1:
            raise ValueError(f"Size mismatch between tensors: first dimensions {sizes} must be equal")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(_item(t, index) for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])


def _item(t, index):
    """t[index], read from the array underneath a Tensor: data loading records no graph, and the
    dtype stays the tensor's (int64 labels stay int64)."""
    if not isinstance(t, Tensor):
        return t[index]
    item = t.data[index]
    return Tensor(item, dtype=item.dtype)


class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """Data sets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]))

    def __len__(self):
        return int(self.cumulative_sizes[-1]) if self.datasets else 0

    def __getitem__(self, index):
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for a ConcatDataset of {len(self)}")
        k = bisect.bisect_right(self.cumulative_sizes, index)
        return self.datasets[k][index - (int(self.cumulative_sizes[k - 1]) if k else 0)]
