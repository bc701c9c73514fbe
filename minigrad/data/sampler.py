"""Samplers: which data set indices an epoch visits, and in what order (torch.utils.data.sampler).

A sampler is an iterable of indices (`SequentialSampler`: 0, 1, 2, ...; `RandomSampler`: a
permutation, or draws with replacement; `SubsetRandomSampler`: a permutation of given indices;
`WeightedRandomSampler`: draws in proportion to weights); a `BatchSampler` groups any sampler's
indices into mini-batches. The DataLoader asks for the next batch only when it needs it, and
the samplers here make their indices as they are asked for them: draws with replacement 32 at
a time, permutations one data set's length at a time, however many samples are declared. So a
sampler of 10**10 samples costs nothing until it is iterated, and an epoch can stop early.

Randomness: a sampler given `generator=` (a numpy Generator) draws from it, so each epoch
continues its stream, as torch's. Without one, `iter(sampler)` draws one seed from minigrad's
seeded source (`minigrad.manual_seed`) and the epoch's order from a generator of that seed.
Inside a DataLoader that source is the loader's own epoch generator (loader.py), so iterating
a loader never moves the global generator. The orders are numpy's, not torch's randperm's.
"""
import itertools

import numpy as np

from .. import random_source
from ..tensor import Tensor

_CHUNK = 32  # indices drawn at a time when sampling with replacement (torch draws 32 too)


def _positive_int(value, bool_allowed=False):
    """torch's check: a Python int above 0 (numpy integers and floats are refused)."""
    return isinstance(value, int) and (bool_allowed or not isinstance(value, bool)) and value > 0


def _epoch_rng(generator):
    """The generator an epoch draws from: the one given, else a fresh one seeded from minigrad's source."""
    if generator is not None:
        return generator
    return np.random.default_rng(int(random_source.rng().integers(2**63)))


class Sampler:
    """Base class: subclasses define `__iter__` (indices, or lists of indices) and usually `__len__`."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError


class SequentialSampler(Sampler):
    """0, 1, ..., len(data_source) - 1, every epoch."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)


class RandomSampler(Sampler):
    """A random permutation of the data set each epoch; with `replacement=True`, `num_samples`
    independent uniform draws instead. Without replacement and `num_samples > len(data_source)`,
    whole permutations follow one another, the last one cut short."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source, self.replacement, self._num_samples = data_source, replacement, num_samples
        self.generator = generator
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if not _positive_int(self.num_samples, bool_allowed=True):  # torch lets num_samples=True through
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        n = len(self.data_source)
        if n == 0:
            raise ZeroDivisionError(f"RandomSampler: cannot draw {self.num_samples} samples from an empty data source")
        rng = _epoch_rng(self.generator)  # drawn now, not at the first index: see the module docstring
        return self._replacement(rng, n) if self.replacement else self._permutations(rng, n)

    def _replacement(self, rng, n):
        for start in range(0, self.num_samples, _CHUNK):
            yield from rng.integers(0, n, min(_CHUNK, self.num_samples - start)).tolist()

    def _permutations(self, rng, n):
        for _ in range(self.num_samples // n):
            yield from rng.permutation(n).tolist()
        if self.num_samples % n:
            yield from rng.permutation(n)[:self.num_samples % n].tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a new random order each epoch (a validation split of one data set)."""

    def __init__(self, indices, generator=None):
        self.indices, self.generator = indices, generator

    def __iter__(self):
        order = _epoch_rng(self.generator).permutation(len(self.indices)).tolist()
        return (self.indices[i] for i in order)

    def __len__(self):
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """`num_samples` indices of [0, len(weights)), index i drawn with probability weights[i] / sum(weights)
    (the weights need not sum to one: inverse class frequencies balance an unbalanced data set).

    With replacement, each draw is a uniform number u in [0, sum) placed on the running sum of the
    weights (the index whose interval holds u), drawn a chunk at a time. Without replacement, each
    index gets an exponential random key divided by its weight and the smallest keys win: the same
    distribution as drawing one index at a time and removing it (an "exponential race")."""

    def __init__(self, weights, num_samples, replacement=True, generator=None):
        if not _positive_int(num_samples):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights, dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = Tensor(weights, dtype=np.float64)  # as torch: a float64 tensor
        self.num_samples, self.replacement, self.generator = num_samples, replacement, generator

    def __iter__(self):
        w = self.weights.array
        if np.any(w < 0):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if not np.all(np.isfinite(w)):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
        if w.sum() <= 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        if not self.replacement and self.num_samples > len(w):
            raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
        rng = _epoch_rng(self.generator)
        if not self.replacement:
            with np.errstate(divide="ignore"):
                keys = rng.exponential(size=len(w)) / w  # weight 0: key inf, chosen only when nothing else is left
            return iter(np.argsort(keys, kind="stable")[:self.num_samples].tolist())
        return self._with_replacement(rng, np.cumsum(w))

    def _with_replacement(self, rng, running_sum):
        for start in range(0, self.num_samples, _CHUNK):
            u = rng.random(min(_CHUNK, self.num_samples - start)) * running_sum[-1]
            yield from np.searchsorted(running_sum, u, side="right").clip(max=len(running_sum) - 1).tolist()

    def __len__(self):
        return self.num_samples


class BatchSampler(Sampler):
    """Another sampler's indices in lists of `batch_size`; the last, shorter list is dropped with
    `drop_last=True`. `list(BatchSampler(SequentialSampler(range(10)), 3, False))` is
    [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]."""

    def __init__(self, sampler, batch_size, drop_last):
        if not _positive_int(batch_size):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler, self.batch_size, self.drop_last = sampler, batch_size, drop_last

    def __iter__(self):
        return self._batches(iter(self.sampler))  # the sampler starts (draws its seed) now

    def _batches(self, indices):
        while True:
            batch = list(itertools.islice(indices, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size
