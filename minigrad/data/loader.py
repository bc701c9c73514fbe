"""DataLoader: mini-batches and epochs.

An epoch is one pass over a random permutation of the data set: every sample
exactly once, in a new order each epoch (`shuffle=True`). A mini-batch is the
next `batch_size` indices of that permutation, stacked into one array; the
last, smaller batch is dropped with `drop_last=True`.

With `num_workers > 0`, threads decode and augment the images of the next
batches while the current one trains (Pillow releases the GIL while it
decodes and resizes). Each sample draws its augmentation from a generator
seeded by (epoch seed, index), so the batches are the same whatever the
number of workers and whichever thread ran first.
"""
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import backend
from ..tensor import Tensor


def collate(items):
    """[(x, y), ...] -> (Tensor of stacked x, Tensor of labels)."""
    xs, ys = zip(*items)
    if not all(isinstance(x, np.ndarray) for x in xs):
        raise TypeError("DataLoader: samples must be arrays to stack into a batch; give the data set a "
                        "transform that ends with ToArray (e.g. minigrad.data.transforms_for(size))")
    x = np.stack(xs)
    # Tensor(...) is PyTorch's float32 constructor: integer images and labels keep their dtype (dtype=)
    return Tensor(x, dtype=np.float32 if np.issubdtype(x.dtype, np.floating) else x.dtype), Tensor(ys, dtype=np.asarray(ys).dtype)


def training_loader(dataset, batch_size, num_workers=0):
    """Shuffled mini-batches for training. A last batch of a single sample is dropped:
    batch norm cannot compute training statistics from one value per channel."""
    return DataLoader(dataset, batch_size, shuffle=True, drop_last=len(dataset) % batch_size == 1,
                      num_workers=num_workers)


class DataLoader:
    def __init__(self, dataset, batch_size=64, shuffle=False, drop_last=False, num_workers=0):
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be at least 1, got {batch_size}")
        self.dataset, self.batch_size, self.shuffle = dataset, batch_size, shuffle
        self.drop_last, self.num_workers = drop_last, num_workers

    def __len__(self):
        n, bs = len(self.dataset), self.batch_size
        return n // bs if self.drop_last else -(-n // bs)

    def batches(self):
        """This epoch's index batches: a fresh permutation when shuffling."""
        n = len(self.dataset)
        order = backend.rng().permutation(n) if self.shuffle else np.arange(n)
        stop = n - n % self.batch_size if self.drop_last else n
        return [order[i:i + self.batch_size] for i in range(0, stop, self.batch_size)]

    def __iter__(self):
        batches = self.batches()
        epoch_seed = int(backend.rng().integers(2**63))

        def load(index):
            with backend.use_rng(np.random.default_rng([epoch_seed, int(index)])):
                return self.dataset[int(index)]

        if self.num_workers <= 0:
            for batch in batches:
                yield collate([load(i) for i in batch])
            return
        with ThreadPoolExecutor(self.num_workers) as pool:
            ahead = 2  # batches being prepared while one trains
            pending = [[pool.submit(load, i) for i in b] for b in batches[:ahead]]
            for k in range(len(batches)):
                if k + ahead < len(batches):
                    pending.append([pool.submit(load, i) for i in batches[k + ahead]])
                yield collate([f.result() for f in pending.pop(0)])
