"""DataLoader: mini-batches and epochs, with torch.utils.data.DataLoader's arguments.

An epoch is one pass over a random permutation of the data set: every sample
exactly once, in a new order each epoch (`shuffle=True`). A mini-batch is the
next `batch_size` indices of that permutation, collated into Tensors (`x`
stacked float32, `y` int64 for integer labels); the last, smaller batch is
dropped with `drop_last=True`.

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

With `num_workers > 0`, threads (not processes) decode and augment the images of the next
batches while the current one trains (Pillow releases the GIL while it decodes and
resizes). Each sample draws its augmentation from a generator seeded by (epoch
seed, index), so the batches are the same whatever the number of workers and
whichever thread ran first.
"""
import hashlib
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

import numpy as np

from .. import backend
from .collate import collate, default_collate, default_convert  # noqa: F401  (re-exported)

_epochs = {"generator": None, "counts": {}}
_epochs_lock = threading.Lock()


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


class DataLoader:
    """torch.utils.data.DataLoader's signature. Meaningful here: `dataset, batch_size, shuffle,
    sampler, batch_sampler, num_workers, collate_fn, drop_last, timeout, worker_init_fn,
    generator`. Accepted for PyTorch scripts and without effect: `pin_memory` (there is no
    pinned memory: batches are numpy arrays moved with `.to(device)`), `persistent_workers`,
    `prefetch_factor`, `multiprocessing_context`, `pin_memory_device`, `in_order` (workers are
    threads, batches always come in order). `batch_size` defaults to 64 (minigrad's API;
    torch's default is 1). `batch_size=None` yields single samples, converted, as torch does.
    `sampler` (indices) and `batch_sampler` (lists of indices) are any iterables with a length."""

    def __init__(self, dataset, batch_size=64, shuffle=False, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if batch_size is not None and (not isinstance(batch_size, (int, np.integer)) or batch_size < 1):
            raise ValueError(f"DataLoader: batch_size must be a positive integer (or None), got {batch_size!r}")
        if num_workers < 0:
            raise ValueError(f"DataLoader: num_workers must be 0 or more, got {num_workers}")
        if timeout < 0:
            raise ValueError(f"DataLoader: timeout must be 0 or more, got {timeout}")
        if num_workers == 0 and (prefetch_factor is not None or persistent_workers):
            raise ValueError("DataLoader: prefetch_factor and persistent_workers need num_workers > 0 "
                             "(torch says the same)")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 64 and batch_size != 1 or shuffle or sampler is not None
                                          or drop_last):
            raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                             "sampler, and drop_last")
        self.dataset, self.shuffle, self.sampler, self.batch_sampler = dataset, bool(shuffle), sampler, batch_sampler
        self.batch_size = None if batch_sampler is not None else batch_size
        self.drop_last, self.num_workers, self.timeout = bool(drop_last), int(num_workers), timeout
        self.collate_fn = collate_fn or (default_collate if self.batch_size or batch_sampler else default_convert)
        self.worker_init_fn, self.generator = worker_init_fn, generator
        self.pin_memory, self.persistent_workers, self.prefetch_factor = pin_memory, persistent_workers, prefetch_factor

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def identity(self):
        """What this loader loads, as a string: part of its epoch seed. Two image loaders of equal
        length (fastai's fix_dl and aug_dl) differ by their files and transforms."""
        ds = self.dataset
        samples = getattr(ds, "samples", None)
        samples = samples if samples is not None and len(samples) else [None]
        return (f"{type(ds).__qualname__}|{len(ds)}|{self.batch_size}|{self.shuffle}|{self.drop_last}|"
                f"{type(self.sampler).__qualname__}|{type(self.batch_sampler).__qualname__}|"
                f"{getattr(ds, 'transform', None)!r}|{samples[0]}|{samples[-1]}")

    def epoch_generator(self):
        """This epoch's generator, seeded by (global generator state, identity, repeat count)."""
        if self.generator is not None:
            return np.random.default_rng(int(self.generator.integers(2**63)))
        global_rng = backend.rng()
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
        """This epoch's index batches: a fresh permutation when shuffling."""
        if self.batch_sampler is not None:
            return [list(b) for b in self.batch_sampler]
        if self.sampler is not None:
            order = list(self.sampler)
        else:
            n = len(self.dataset)
            order = generator.permutation(n) if self.shuffle else np.arange(n)
        if self.batch_size is None:
            return [[i] for i in order]
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        return [order[i:i + self.batch_size] for i in range(0, stop, self.batch_size)]

    def _batch(self, items):
        return self.collate_fn(items[0] if self.batch_size is None and self.batch_sampler is None else items)

    def __iter__(self):
        generator = self.epoch_generator()
        batches = self.batches(generator)
        epoch_seed = int(generator.integers(2**63))

        def load(index):
            with backend.use_rng(np.random.default_rng([epoch_seed, int(index)])):
                return self.dataset[int(index)]

        if self.num_workers <= 0:
            for batch in batches:
                yield self._batch([load(i) for i in batch])
            return
        ids = itertools.count()

        def start_worker():
            if self.worker_init_fn is not None:
                self.worker_init_fn(next(ids))

        with ThreadPoolExecutor(self.num_workers, initializer=start_worker) as pool:
            ahead = 2  # batches being prepared while one trains
            pending = [[pool.submit(load, i) for i in b] for b in batches[:ahead]]
            for k in range(len(batches)):
                if k + ahead < len(batches):
                    pending.append([pool.submit(load, i) for i in batches[k + ahead]])
                try:
                    items = [f.result(timeout=self.timeout or None) for f in pending.pop(0)]
                except FutureTimeout:
                    raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds") from None
                yield self._batch(items)

    def __repr__(self):
        return (f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, num_workers={self.num_workers})")
