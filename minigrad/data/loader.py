"""DataLoader: mini-batches and epochs, with torch.utils.data.DataLoader's arguments.

An epoch is one pass over a random permutation of the data set: every sample
exactly once, in a new order each epoch (`shuffle=True`). A mini-batch is the
next `batch_size` indices of that permutation, collated into Tensors (`x`
stacked float32, `y` int64 for integer labels); the last, smaller batch is
dropped with `drop_last=True`. A `sampler` (sampler.py) or `batch_sampler` chooses
the indices instead; the loader asks it for one batch at a time, never for the
whole epoch, so a sampler of 10**10 draws costs nothing until it is used. An
`IterableDataset` is read in order, `batch_size` consecutive items per batch.

Where the randomness comes from: each epoch's order and augmentation are drawn
from a generator seeded by (the state of minigrad's global generator, READ but
never drawn from; this loader's identity; how many epochs loaders of that
identity have started from that same state). No loader ever moves the global
generator, so iterating one extra loader (a precompute cache that is cold rather
than warm) changes nothing in another loader's batches, and the same
`minigrad.manual_seed` gives the same run. Since the global state is part of the
seed, a run resumed from a checkpoint that restored the generator's state
continues with the same batches. A loader's identity is what it loads (data set
type and length, batch size, shuffle, drop_last, sampler type, and for image
folders their first and last file and transform), so a loader rebuilt every
epoch still sees new orders. With `generator=` (a numpy
Generator), each epoch's seed is drawn from that generator instead, as torch's.

A sampler that draws from minigrad's generator (RandomSampler without `generator=`) draws
from the epoch's generator instead, each time the loader asks it for a batch; so does an
IterableDataset while the loader reads it. Each sample of a map-style data set draws its
augmentation from a generator seeded by (epoch seed, index).

With `num_workers > 0`, threads (not processes) decode and augment the images of the next
batches while the current one trains (Pillow releases the GIL while it decodes and
resizes). Since each sample's randomness is its own, the batches are the same whatever the
number of workers and whichever thread ran first. An IterableDataset is read by the main
thread (torch's worker processes would each read a copy of the stream).
"""
import hashlib
import itertools
import threading
from collections import deque
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np

from .. import random_source
from .base import IterableDataset
from .collate import collate, default_collate, default_convert  # noqa: F401  (re-exported)
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler
from .workers import WorkerThreads

_epochs = {"generator": None, "counts": {}}
_epochs_lock = threading.Lock()
_worker = threading.local()  # .info: this worker thread's WorkerInfo


class WorkerInfo:
    """What get_worker_info() tells a worker: its id, the number of workers, its seed, the data set."""

    def __init__(self, id, num_workers, seed, dataset):
        self.id, self.num_workers, self.seed, self.dataset = id, num_workers, seed, dataset

    def __repr__(self):
        return f"WorkerInfo(id={self.id}, num_workers={self.num_workers}, seed={self.seed})"


def get_worker_info():
    """torch's: inside a DataLoader worker (here a thread), its WorkerInfo; in the main thread, None."""
    return getattr(_worker, "info", None)


def training_loader(dataset, batch_size, num_workers=0):
    """Shuffled mini-batches for training. A last batch of a single sample is dropped:
    batch norm cannot compute training statistics from one value per channel."""
    return DataLoader(dataset, batch_size, shuffle=True, drop_last=len(dataset) % batch_size == 1,
                      num_workers=num_workers)


def _digest(text):
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def _state_word(generator):
    """A number naming the global generator's current state (read, never drawn: drawing would move it)."""
    state = getattr(getattr(generator, "bit_generator", None), "state", None)
    return None if state is None else _digest(repr(state))


class _InfiniteConstantSampler(Sampler):
    """An IterableDataset's `loader.sampler`, as torch's: None forever (the stream has no indices)."""

    def __iter__(self):
        return itertools.repeat(None)


class DataLoader:
    """torch.utils.data.DataLoader's signature. Meaningful here: `dataset, batch_size, shuffle,
    sampler, batch_sampler, num_workers, collate_fn, drop_last, timeout, worker_init_fn,
    generator`. Accepted for PyTorch scripts and without effect: `pin_memory` (there is no
    pinned memory: batches are numpy arrays moved with `.to(device)`), `persistent_workers`,
    `prefetch_factor`, `multiprocessing_context`, `pin_memory_device`, `in_order` (workers are
    threads, batches always come in order). `batch_size` defaults to 64 (minigrad's API;
    torch's default is 1). `batch_size=None` yields single samples, converted, as torch does.
    `sampler` (indices) and `batch_sampler` (lists of indices) are any iterables (sampler.py's or
    your own); `len(loader)` needs their length. As torch's: `loader.sampler` is a
    SequentialSampler or RandomSampler when none is given, `loader.batch_sampler` a BatchSampler
    over it when batch_size is set, and dataset, batch_size, sampler, batch_sampler and drop_last
    cannot be changed after construction."""

    _fixed = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")

    def __init__(self, dataset, batch_size=64, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing: let num_workers > 0 "
                             "to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers == 0 and persistent_workers:
            raise ValueError("persistent_workers option needs num_workers > 0")
        iterable = isinstance(dataset, IterableDataset)
        for name, value, given in (("shuffle", shuffle, shuffle not in (False, None)),
                                   ("sampler", sampler, sampler is not None),
                                   ("batch_sampler", batch_sampler, batch_sampler is not None)):
            if iterable and given:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified {name} option, but got "
                                 f"{name}={value}")
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size not in (64, 1) or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and "
                                 "drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        # the epoch seed reads what was given (loader.py's docstring), as before samplers were filled in
        self._given = f"{type(sampler).__qualname__}|{type(batch_sampler).__qualname__}"
        self._own_order = sampler is None and batch_sampler is None and not iterable  # the seeded-epoch path
        self._auto_collation = batch_sampler is not None or batch_size is not None
        if iterable:
            sampler = _InfiniteConstantSampler()  # torch's placeholder: a stream has no indices
        elif sampler is None:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset, self.shuffle, self.sampler, self.batch_sampler = dataset, bool(shuffle), sampler, batch_sampler
        self.batch_size, self.drop_last = batch_size, drop_last
        self.num_workers, self.timeout = int(num_workers), timeout
        self.collate_fn = collate_fn or (default_collate if self._auto_collation else default_convert)
        self.worker_init_fn, self.generator = worker_init_fn, generator
        self.pin_memory, self.persistent_workers, self.prefetch_factor = pin_memory, persistent_workers, prefetch_factor
        self.multiprocessing_context, self.pin_memory_device, self.in_order = (multiprocessing_context,
                                                                              pin_memory_device, in_order)
        self._initialized = True

    def __setattr__(self, name, value):
        if name in self._fixed and getattr(self, "_initialized", False):
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)  # a TypeError where the stream has no length, as torch's
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else -(-n // self.batch_size)
        return len(self.batch_sampler) if self.batch_sampler is not None else len(self.sampler)

    def identity(self):
        """What this loader loads, as a string: part of its epoch seed. Two image loaders of equal
        length (fastai's fix_dl and aug_dl) differ by their files and transforms."""
        ds = self.dataset
        samples = getattr(ds, "samples", None)
        samples = samples if samples is not None and len(samples) else [None]
        try:
            size = len(ds)
        except TypeError:  # a stream, or a data set that its sampler sizes
            size = "unsized"
        return (f"{type(ds).__qualname__}|{size}|{self.batch_size}|{self.shuffle}|{self.drop_last}|{self._given}|"
                f"{getattr(ds, 'transform', None)!r}|{samples[0]}|{samples[-1]}")

    def epoch_generator(self):
        """This epoch's generator, seeded by (global generator state, identity, repeat count)."""
        if self.generator is not None:
            return np.random.default_rng(int(self.generator.integers(2**63)))
        global_rng = random_source.rng()
        state = _state_word(global_rng)
        if state is None:  # not a numpy Generator: fall back to drawing from it
            return np.random.default_rng(int(global_rng.integers(2**63)))
        key = (_digest(self.identity()), state)
        with _epochs_lock:
            if _epochs["generator"] is not global_rng:  # manual_seed made a new generator: forget the counts
                _epochs["generator"], _epochs["counts"] = global_rng, {}
            repeat = _epochs["counts"].get(key, 0)
            _epochs["counts"][key] = repeat + 1
        return np.random.default_rng([*key, repeat])

    def batches(self, generator):
        """This epoch's index batches, an iterator that makes each batch only when asked: slices of a
        fresh permutation when the loader shuffles by itself, else the batch sampler's lists (or
        the sampler's indices one by one, with batch_size=None)."""
        if self._own_order:
            n = len(self.dataset)
            order = generator.permutation(n) if self.shuffle else range(n)
            if self.batch_size is None:
                return ([i] for i in order)
            stop = n - n % self.batch_size if self.drop_last else n
            return (order[i:i + self.batch_size] for i in range(0, stop, self.batch_size))
        with random_source.use_rng(generator):  # a sampler that draws its seed in iter() draws it from here
            if self.batch_sampler is not None:
                return iter(self.batch_sampler)
            return ([i] for i in iter(self.sampler))

    def _batch(self, items):
        return self.collate_fn(items if self._auto_collation else items[0])

    def _stream(self, generator):
        """An IterableDataset's epoch: batch_size consecutive items at a time, read with this epoch's generator."""
        items = iter(self.dataset)
        while True:
            with random_source.use_rng(generator):
                batch = list(itertools.islice(items, self.batch_size or 1))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self._batch(batch)

    def __iter__(self):
        generator = self.epoch_generator()
        if isinstance(self.dataset, IterableDataset):
            yield from self._stream(generator)
            return
        batches = self.batches(generator)
        epoch_seed = int(generator.integers(2**63))

        def next_batch():
            """The next list of indices, or None at the end of the epoch. A sampler that draws from minigrad's
            generator as it goes draws from this epoch's generator, never from the global one."""
            with random_source.use_rng(generator):
                return next(batches, None)

        def load(index):
            index = int(index) if isinstance(index, np.integer) else index
            key = index if isinstance(index, int) and index >= 0 else _digest(repr(index))  # a seed word
            with random_source.use_rng(np.random.default_rng([epoch_seed, key])):
                return self.dataset[index]

        if self.num_workers <= 0:
            if self.timeout:  # torch's loader refuses it too: the main thread cannot time itself out
                raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0: timeout= needs "
                                     "num_workers > 0 (the batches are then read by worker threads)")
            while (batch := next_batch()) is not None:
                yield self._batch([load(i) for i in batch])
            return
        ids = itertools.count()

        def start_worker():
            k = next(ids)
            _worker.info = WorkerInfo(k, self.num_workers, (epoch_seed + k) % 2**64, self.dataset)
            if self.worker_init_fn is not None:
                self.worker_init_fn(k)

        def submit():
            batch = next_batch()
            if batch is not None:
                pending.append([pool.submit(load, i) for i in batch])

        pool, pending, wait = WorkerThreads(self.num_workers, start_worker), deque(), self.timeout or None
        try:
            for _ in range(2):  # batches being prepared while one trains
                submit()
            while pending:
                futures = pending.popleft()
                submit()
                try:
                    items = [f.result(timeout=self.timeout or None) for f in futures]
                except FutureTimeout:
                    wait = 0  # leave the stuck worker behind (a daemon thread), as torch's loader does
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None
                yield self._batch(items)
        finally:  # the epoch ended, failed or was left (break): drop the batches not yet started
            pool.shutdown([f for futures in pending for f in futures], wait)

    def __repr__(self):
        size = self.identity().split("|")[1]
        return (f"DataLoader({type(self.dataset).__name__} of {size}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, num_workers={self.num_workers})")
