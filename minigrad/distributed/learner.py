"""The Learner, data-parallel: `mpiexec -n N python recipes/lesson1.py` with no change to the lesson.

`wrap_learner(learner)` (a no-op in a world of one) makes N processes train as one:
- gradients are averaged over the ranks (DistributedDataParallel's hooks on the model's
  parameters, also while precompute trains the head alone), the weights start equal;
- every training loader becomes a shard: each rank takes its part of one shared
  permutation (DistributedSampler), with batch_size // N samples per mini-batch, so
  --bs stays the size of the combined batch and the lesson's learning rates still fit;
- the training loss each step returns is the mean over the ranks, so lr_find and the
  progress agree everywhere;
- validation, predict and TTA: each rank predicts its share of the images with rank 0's
  batch-norm running statistics (as PyTorch's DDP broadcasts them), and the predictions
  are gathered in order on every rank: every rank computes the same metrics over the
  whole validation set;
- rank 0 alone prints, shows progress and writes checkpoints, weights, plots (hooks in
  minigrad/train: checkpoint.write, plots.finish, export) and the precompute cache, which
  the others then read; on --resume every rank reads rank 0's checkpoint.
SyncBatchNorm replaces the batch norms when asked (sync_batchnorm=True, or the
environment variable MINIGRAD_SYNC_BATCHNORM=1): statistics over the combined batch.
"""
import math
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


def wrap_learner(learner, sync_batchnorm=None, bucket_cap_mb=25):
    """Make `learner` (minigrad.train.Learner) train data-parallel over the processes mpiexec started;
    returns it. In a world of one it does nothing."""
    pg = group.group()
    if pg.size == 1 or getattr(learner, "_distributed", None) is not None:
        return learner
    if sync_batchnorm is None:
        sync_batchnorm = os.environ.get("MINIGRAD_SYNC_BATCHNORM", "0") not in ("", "0")
    if sync_batchnorm:
        convert_sync_batchnorm(learner.model)
    ddp = DistributedDataParallel(learner.model, bucket_cap_mb=bucket_cap_mb, broadcast_buffers=False)
    learner._distributed = ddp
    _average_gradients(learner, ddp)
    _shard_training_batches(learner, pg)
    _shard_evaluation(learner, ddp, pg)
    _precompute_on_rank_zero_first(learner)
    if not group.is_main_process():
        learner.verbose = False  # no log lines, no progress bar
        learner.save = lambda name: learner.get_model_path(name)  # rank 0 writes it
    group.quiet_other_ranks()
    if group.is_main_process():
        print(f"distributed: {pg.size} processes, mini-batches of {learner.data.bs} split {pg.size} ways "
              f"({max(1, learner.data.bs // pg.size)} per process){', SyncBatchNorm' if sync_batchnorm else ''}",
              flush=True)
    return learner


def _average_gradients(learner, ddp):
    make_optimizer, train_step = learner.make_optimizer, learner.train_step

    def make_synced_optimizer(lrs):
        opt = make_optimizer(lrs)
        step = opt.step

        def synced_step(*args, **kwargs):
            ddp.finish_gradient_sync()  # normally already done by the last gradient's hook
            return step(*args, **kwargs)
        opt.step = synced_step
        return opt

    def synced_train_step(x, y, optimizer, check=True):
        local = train_step(x, y, optimizer, check=check)
        if not math.isfinite(local):  # this rank skipped backward (lr_find past its blow-up): still take part
            ddp.finish_gradient_sync(force=True)
        loss = np.array([local], dtype=np.float64)
        return float(group.all_reduce(loss, "mean")[0])  # NaN anywhere is NaN everywhere: all stop together

    learner.make_optimizer, learner.train_step = make_synced_optimizer, synced_train_step


def _shard_training_batches(learner, pg):
    train_batches = learner.train_batches

    def sharded():
        batches = train_batches()
        return ShardedLoader(batches, pg) if isinstance(batches, DataLoader) else batches
    learner.train_batches = sharded


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


def _shard_evaluation(learner, ddp, pg):
    """Every evaluation pass (validate, predict, TTA): rank 0's batch-norm statistics on every rank, each
    rank its share of the images, the log-probabilities gathered; the loss is their mean over all images."""
    evaluate = learner._evaluate

    def sharded_evaluate(loader, images=False):
        ddp.sync_buffers()
        if not isinstance(loader, DataLoader):
            return evaluate(loader, images)
        shard = ShardedLoader(loader, pg, training=False)
        log_preds, targets = _gather(shard, *evaluate(shard, images)[:2])
        loss = -float(np.mean(log_preds[np.arange(len(targets)), targets], dtype=np.float64))
        return log_preds, targets, loss
    learner._evaluate = sharded_evaluate


def _precompute_on_rank_zero_first(learner):
    activations = learner.activations

    def activations_rank_zero_first(loader):
        with group.main_process_first():  # rank 0 computes and caches the body's activations; the others read them
            return activations(loader)
    learner.activations = activations_rank_zero_first
