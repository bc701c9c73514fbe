"""torch.utils.data's data set classes: `Dataset`, `TensorDataset`, `Subset`.

A data set is anything with `__len__` and `__getitem__(i) -> sample`; `Dataset` is the
base class PyTorch code subclasses (it adds nothing but `+`, which concatenates).
"""
import bisect
import math

import numpy as np

from ..random_source import rng
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
    item = t.array[index]
    return Tensor(item, dtype=item.dtype)


class Subset(Dataset):
    """The items of `dataset` at `indices`, in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, list(indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Cut dataset into non-overlapping Subsets of the given lengths (or fractions summing to 1:
    floor(n * f) each, the remainder shared one by one from the first), in a random order drawn
    from minigrad's seeded source (manual_seed) or a numpy Generator, as torch.utils.data's."""
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and all(0 <= f <= 1 for f in lengths):
        sizes = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = (generator if generator is not None else rng()).permutation(n).tolist()
    offsets = [sum(lengths[:i]) for i in range(len(lengths))]
    return [Subset(dataset, order[start:start + size]) for start, size in zip(offsets, lengths)]


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
