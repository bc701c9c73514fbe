"""Data parallelism: several processes (on one machine or many, on CPUs or GPUs) train one model.

Each process (a "rank") holds a full copy of the model and trains on its own shard
of every mini-batch; after backward an ALL-REDUCE sums the gradients over the ranks
(every rank ends with the same sum), each divides by the number of ranks, and all
take the same step. Averaging the gradients of R shards of B samples gives exactly
the gradient of the combined batch of R*B (ddp.py says why), so R processes train
like one with an R times larger batch, R times faster when communication is cheap.

    mpiexec -n 2 python train.py                 # two processes on this machine (MPI)

    from minigrad import distributed as dist
    model = dist.DistributedDataParallel(model)  # same start everywhere; averaged gradients
    sampler = dist.DistributedSampler(dataset)   # each rank its shard; set_epoch(e) each epoch
    if dist.is_main_process(): save(...)         # one process writes files
    dist.run(main)                               # an error on one rank stops all (no hang)

Started without mpiexec, a script is a world of one: the same code runs unchanged
and mpi4py is not imported. group.py: ranks and collectives (MPI via mpi4py, NCCL via
cupy, nccl.py); ddp.py: broadcast and bucketed gradient averaging overlapped with
backward; sampler.py: the shards; sync_batchnorm.py: batch statistics over all ranks;
learner.py: DataParallel, the Learner's data-parallel seams (minigrad/train/parallel.py) under
mpiexec; the Learner calls wrap_learner, which puts one in `learner.parallel`.
"""
from .ddp import DistributedDataParallel, broadcast_parameters
from .group import (all_reduce, barrier, broadcast, get_rank, get_world_size, init_process_group,
                    is_initialized, is_main_process, launched_by_mpi, main_process_first, quiet_other_ranks,
                    run)
from .sampler import DistributedSampler
from .sync_batchnorm import SyncBatchNorm, convert_sync_batchnorm

__all__ = ["DistributedDataParallel", "broadcast_parameters", "DistributedSampler", "SyncBatchNorm",
           "convert_sync_batchnorm", "init_process_group", "is_initialized", "get_rank", "get_world_size",
           "is_main_process", "barrier", "all_reduce", "broadcast", "launched_by_mpi", "main_process_first",
           "quiet_other_ranks", "run"]
