"""DistributedSampler: each rank its own shard of one shared permutation per epoch.

Every rank draws the SAME permutation of the data set (all seed a generator with
seed + epoch), pads it to a multiple of the number of ranks by repeating its first
indices, and takes every num_replicas-th index from its rank on:

    permutation  7 2 9 0 4 1 8 3 6 5 | 7 2       (10 samples, 4 ranks: padded to 12)
    rank 0       7 . . . 4 . . . 6 . . .
    rank 1       . 2 . . . 1 . . . 5 . .

So the shards are disjoint (apart from the padding) and together cover the epoch,
and every rank has the same number of samples, hence the same number of
mini-batches of the same sizes: the ranks reach each all-reduce together, and the
average of their mean losses is exactly the mean loss over the combined batch.
With drop_last=True the tail is dropped instead of padded.

PyTorch's contract (arguments, padding, set_epoch); the permutation comes from
numpy's generator, so the order differs from torch's randperm with the same seed.
"""
import math

import numpy as np

from . import group


class DistributedSampler:
    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0, drop_last=False):
        num_replicas = group.get_world_size() if num_replicas is None else int(num_replicas)
        rank = group.get_rank() if rank is None else int(rank)
        if num_replicas < 1 or not 0 <= rank < num_replicas:
            raise ValueError(f"DistributedSampler: rank must be in [0, num_replicas - 1] with num_replicas >= 1, "
                             f"got rank={rank}, num_replicas={num_replicas}")
        self.dataset, self.num_replicas, self.rank = dataset, num_replicas, rank
        self.shuffle, self.seed, self.drop_last, self.epoch = shuffle, int(seed), drop_last, 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def set_epoch(self, epoch):
        """A new shared permutation: call it at the start of every epoch, with the same number on every rank."""
        self.epoch = int(epoch)

    def __len__(self):
        return self.num_samples

    def indices(self):
        """This rank's indices for the current epoch, as an integer array."""
        n = len(self.dataset)
        order = np.random.default_rng(self.seed + self.epoch).permutation(n) if self.shuffle else np.arange(n)
        if not self.drop_last:
            padding = self.total_size - n
            if padding:
                order = np.concatenate([order, np.resize(order, padding)])  # repeats the start as often as needed
        else:
            order = order[:self.total_size]
        return order[self.rank:self.total_size:self.num_replicas]

    def __iter__(self):
        return iter(self.indices().tolist())
