"""torch.utils.data's data set classes: `Dataset`, `TensorDataset`, `Subset`, `ConcatDataset`,
`random_split`, and the streams `IterableDataset`, `ChainDataset`.

A map-style data set is anything with `__len__` and `__getitem__(i) -> sample`; `Dataset` is the
base class PyTorch code subclasses (it adds nothing but `+`, which concatenates). An iterable-style
data set (`IterableDataset`) has `__iter__` instead: a stream read in order, with no index (lines
of a file, samples generated on the fly); a DataLoader batches consecutive items of it.
"""
import bisect
import math

import numpy as np

from ..random_source import rng
from ..tensor import Tensor


class Dataset:
    """Subclass it and define `__getitem__` (and `__len__`)."""

    def __getitem__(self, index):
        raise NotImplementedError(f"Subclasses of Dataset should implement __getitem__. ({type(self).__name__} "
                                  "must define __getitem__(index) -> sample)")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """Subclass it and define `__iter__` (yielding samples); `__len__` is optional. `a + b` chains two."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__, yielding samples")

    def __add__(self, other):
        return ChainDataset([self, other])


class ChainDataset(IterableDataset):
    """Iterable data sets one after the other (torch's ChainDataset)."""

    def __init__(self, datasets):
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self):
        return sum(len(d) for d in self.datasets)


class TensorDataset(Dataset):
    """torch's TensorDataset(*tensors): item i is `tuple(t[i] for t in tensors)`; every tensor (or
    array) must have the same first dimension. With a DataLoader, `TensorDataset(x, y)` gives
    batches `[x[batch], y[batch]]`."""

    def __init__(self, *tensors):
        sizes = [len(t) for t in tensors]
        if len(set(sizes)) > 1:  # torch's AssertionError
            raise AssertionError(f"Size mismatch between tensors: first dimensions {sizes} must be equal")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(_item(t, index) for t in self.tensors)

    def __len__(self):
        return len(self.tensors[0])


class StackDataset(Dataset):
    """Data sets of one length side by side: `StackDataset(images, labels)[i]` is (images[i], labels[i]);
    with keywords, `StackDataset(x=images, y=labels)[i]` is {"x": images[i], "y": labels[i]}."""

    def __init__(self, *args, **kwargs):
        if args and kwargs:
            raise ValueError("Supported either ``tuple``- (via ``args``) or``dict``- (via ``kwargs``) like "
                             "input/output, but both types are given.")
        if not args and not kwargs:
            raise ValueError("At least one dataset should be passed")
        self.datasets = args or kwargs
        sizes = [len(d) for d in (args or kwargs.values())]
        if len(set(sizes)) > 1:
            raise ValueError(f"Size mismatch between datasets: lengths {sizes}")
        self._length = sizes[0]

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {k: d[index] for k, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self):
        return self._length


def _item(t, index):
    """t[index], read from the array underneath a Tensor: data loading records no graph, and the
    dtype stays the tensor's (int64 labels stay int64)."""
    if not isinstance(t, Tensor):
        return t[index]
    item = t.array[index]
    return Tensor(item, dtype=item.dtype)


class Subset(Dataset):
    """The items of `dataset` at `indices` (a sequence, kept as given), in that order."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        if isinstance(index, list):  # torch: a list of positions asks the data set for those items at once
            return self.dataset[[self.indices[i] for i in index]]
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
        if not self.datasets:  # torch's AssertionErrors
            raise AssertionError("datasets should not be an empty iterable")
        if any(isinstance(d, IterableDataset) for d in self.datasets):
            raise AssertionError("ConcatDataset does not support IterableDataset (use ChainDataset)")
        self.cumulative_sizes = [int(n) for n in np.cumsum([len(d) for d in self.datasets])]

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        if index < 0:
            if -index > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            index += len(self)
        if index >= len(self):
            raise IndexError(f"index {index} out of range for a ConcatDataset of {len(self)}")
        k = bisect.bisect_right(self.cumulative_sizes, index)
        return self.datasets[k][index - (self.cumulative_sizes[k - 1] if k else 0)]
