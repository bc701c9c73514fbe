"""The Learner, data-parallel: `mpiexec -n N python recipes/lesson1.py` with no change to the lesson.

The Learner calls a strategy, `learner.parallel`, at a few named seams in its own code
(minigrad/train/parallel.py lists them; its SingleProcess is the one-process default).
DataParallel, here, implements them over N ranks, and `wrap_learner(learner)` (which the
Learner calls; a no-op in a world of one) installs it once, replacing no method:
- gradients are averaged over the ranks (DistributedDataParallel's hooks on the model's
  parameters, also while precompute trains the head alone), the weights start equal
  (rank 0's, broadcast when wrap_learner wraps the model); sync_gradients waits for them;
- training_shard: each rank takes its part of one shared permutation (DistributedSampler),
  with batch_size // N samples per mini-batch, so --bs stays the size of the combined
  batch and the lesson's learning rates still fit;
- reduce_loss: the training loss each step returns is the mean over the ranks, so lr_find
  and the progress agree everywhere;
- evaluation_shard and gather_predictions (validation, predict and TTA): each rank predicts
  its share of the images with rank 0's batch-norm running statistics (as PyTorch's DDP
  broadcasts them), and the predictions are gathered in order on every rank: every rank
  computes the same metrics over the whole validation set;
- is_main_process and main_process_first: rank 0 alone prints, shows progress and writes
  checkpoints, weights, exports and the precompute cache, which the others then read (plots:
  plots.finish asks minigrad.distributed itself); on --resume every rank reads rank 0's checkpoint.
SyncBatchNorm replaces the batch norms when asked (sync_batchnorm=True, or the
environment variable MINIGRAD_SYNC_BATCHNORM=1): statistics over the combined batch.
"""
import os

import numpy as np

from .. import random_source
from ..data.loader import DataLoader
from . import group
from .ddp import DistributedDataParallel
from .sampler import DistributedSampler
from .sync_batchnorm import convert_sync_batchnorm


class _Shard:
    """A rank's samples: item i is dataset[indices[i]], augmented from a generator seeded by the
    GLOBAL index, so two ranks' i-th samples never share their random augmentation."""

    def __init__(self, dataset, indices):
        self.dataset, self.indices = dataset, indices
        # what a loader's identity (its epoch seeds) reads: the shard's loader stays the data set's
        self.transform, self.samples = getattr(dataset, "transform", None), getattr(dataset, "samples", None)

    def __len__(self):
        return len(self.indices)

    def __getitem__(self, i):
        index = int(self.indices[i])
        seed = int(random_source.rng().integers(2**63))  # the loader's per-sample generator, for this epoch
        with random_source.use_rng(np.random.default_rng([seed, index])):
            return self.dataset[index]


def _epoch_number(loader):
    """A new number each epoch, from the loader's own epoch generator where it has one (minigrad's loaders
    that never move the global generator), else drawn from the global generator."""
    if not loader.shuffle:
        return 0
    if hasattr(loader, "epoch_generator"):
        return int(loader.epoch_generator().integers(2**31))
    return int(random_source.rng().integers(2**31))


class ShardedLoader:
    """A DataLoader's epoch split over the ranks: this rank's shard, in mini-batches of batch_size // N."""

    def __init__(self, loader, process_group=None, training=True):
        self.group = pg = process_group or group.group()
        self.loader, self.dataset = loader, loader.dataset
        self.batch_size = max(1, loader.batch_size // pg.size) if training else loader.batch_size
        self.sampler = DistributedSampler(loader.dataset, pg.size, pg.rank, shuffle=loader.shuffle)
        # a last mini-batch of one sample cannot be batch-normalised: dropped in training, as training_loader does
        self.drop_last = training and (loader.drop_last or len(self.sampler) % self.batch_size == 1)

    def __len__(self):
        n = len(self.sampler)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        # One permutation for all: rank 0's generator picks the epoch number (the others' generators may have
        # drifted, e.g. one rank found a cache the other computed); a resumed run restores rank 0's generator.
        self.sampler.set_epoch(self.group.broadcast_object(_epoch_number(self.loader), 0))
        shard = _Shard(self.dataset, self.sampler.indices())
        return iter(DataLoader(shard, self.batch_size, shuffle=False, drop_last=self.drop_last,
                               num_workers=self.loader.num_workers))


class DataParallel:
    """The Learner's seams (minigrad/train/parallel.py, where SingleProcess is the one-process default)
    over the ranks mpiexec started; `ddp` wraps the learner's model, averaging its gradients."""

    def __init__(self, ddp, process_group=None):
        self.ddp, self.group = ddp, process_group or group.group()

    @property
    def world_size(self):
        return self.group.size

    @property
    def is_main_process(self):
        """Rank 0 alone prints, shows progress and writes checkpoints, weights and the precompute cache."""
        return self.group.rank == 0

    def training_shard(self, loader):
        """This rank's part of one permutation shared by all, in mini-batches of batch_size // N."""
        return ShardedLoader(loader, self.group) if isinstance(loader, DataLoader) else loader

    def sync_gradients(self, backward_ran=True):
        """Wait for the averaged gradients (usually done already: the last gradient's hook finishes the
        all-reduce). A rank that skipped backward (lr_find past its blow-up) still takes part, with zeros."""
        self.ddp.finish_gradient_sync(force=not backward_ran)

    def reduce_loss(self, loss):
        """The mean over the ranks: NaN anywhere is NaN everywhere, so all stop together."""
        return float(self.group.all_reduce(np.array([loss], dtype=np.float64), "mean")[0])

    def evaluation_shard(self, loader):
        """This rank's share of the images, predicted with rank 0's batch-norm running statistics (as
        PyTorch's DDP broadcasts them)."""
        self.ddp.sync_buffers()
        return ShardedLoader(loader, self.group, training=False) if isinstance(loader, DataLoader) else loader

    def gather_predictions(self, loader, log_preds, targets, loss):
        """Every rank's predictions, in the data set's order, on every rank (so every rank computes the
        same metrics); the loss is their mean cross-entropy over all images."""
        if not isinstance(loader, ShardedLoader):
            return log_preds, targets, loss
        log_preds, targets = _gather(loader, log_preds, targets)
        loss = -float(np.mean(log_preds[np.arange(len(targets)), targets], dtype=np.float64))
        return log_preds, targets, loss

    def main_process_first(self):
        """Rank 0 runs the block (computes and caches the body's activations), then the others (read them)."""
        return group.main_process_first()

    def __repr__(self):
        return f"DataParallel(world_size={self.world_size}, rank={self.group.rank})"


def wrap_learner(learner, sync_batchnorm=None, bucket_cap_mb=25):
    """Make `learner` (minigrad.train.Learner) train data-parallel over the processes mpiexec started:
    its model wrapped in DistributedDataParallel (rank 0's weights broadcast, gradients averaged) and
    `learner.parallel = DataParallel(...)`; returns it. In a world of one it does nothing."""
    pg = group.group()
    if pg.size == 1 or isinstance(learner.parallel, DataParallel):
        return learner
    if sync_batchnorm is None:
        sync_batchnorm = os.environ.get("MINIGRAD_SYNC_BATCHNORM", "0") not in ("", "0")
    if sync_batchnorm:
        convert_sync_batchnorm(learner.model)
    ddp = DistributedDataParallel(learner.model, bucket_cap_mb=bucket_cap_mb, broadcast_buffers=False)
    learner.parallel = DataParallel(ddp, pg)
    group.quiet_other_ranks()
    if group.is_main_process():
        print(f"distributed: {pg.size} processes, mini-batches of {learner.data.bs} split {pg.size} ways "
              f"({max(1, learner.data.bs // pg.size)} per process){', SyncBatchNorm' if sync_batchnorm else ''}",
              flush=True)
    return learner


def _gather(shard, *arrays):
    """Every rank's per-sample results (in its shard's order) put back in the data set's order, on every rank.
    The padding's repeated samples land on the same places with the same values."""
    parts = shard.group.all_gather_object((shard.sampler.indices(),) + arrays)
    full = []
    for k in range(1, len(arrays) + 1):
        out = np.empty((len(shard.dataset),) + parts[0][k].shape[1:], dtype=parts[0][k].dtype)
        for part in parts:
            out[part[0]] = part[k]
        full.append(out)
    return tuple(full)
