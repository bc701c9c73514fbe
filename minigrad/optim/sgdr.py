"""SGDR as fastai 0.7's fit(lrs, n_cycle, cycle_len, cycle_mult) runs it, per mini-batch.

Cycle i lasts cycle_len * cycle_mult**i epochs; inside a cycle each group's rate
follows half a cosine from its maximum down to ~0, then jumps back up (the
restart) for the next cycle:
    lr = lr_max / 2 * (1 + cos(pi * t / T))      t: iterations into the cycle, T: its length
The first 1/20 of the first cycle runs at lr_max / 100 as a warm-up, as fastai's
CosAnneal does. fit trains sum(cycle_len * cycle_mult**i) epochs in all. With
no cycle_len, the rate is constant. The ratios between groups never change.
"""
import math


def sgdr_epochs(n_cycle, cycle_len=None, cycle_mult=1):
    """How many epochs fit(lrs, n_cycle, cycle_len, cycle_mult) trains."""
    if cycle_len is None:
        return n_cycle
    return sum(cycle_len * cycle_mult ** i for i in range(n_cycle))


def sgdr_multiplier(iteration, batches_per_epoch, n_cycle, cycle_len=None, cycle_mult=1):
    """The factor in [0, 1] that multiplies every group's rate at a global iteration (0 only past the
    last cycle's end)."""
    if cycle_len is None:
        return 1.0
    nb = batches_per_epoch * cycle_len
    if iteration < nb / 20:  # warm-up, counted from the start of training
        return 1 / 100
    t = iteration
    for _ in range(n_cycle):  # find the cycle this iteration falls in
        if t < nb:
            return (1 + math.cos(math.pi * t / nb)) / 2
        t -= nb
        nb *= cycle_mult
    return (1 + math.cos(math.pi)) / 2  # past the end: the bottom of the last cycle


def sgdr_schedule(lrs, batches_per_epoch, n_cycle, cycle_len=None, cycle_mult=1):
    """Every iteration's rates, as a list of per-group lists (for plotting and tests)."""
    total = sgdr_epochs(n_cycle, cycle_len, cycle_mult) * batches_per_epoch
    return [[lr * sgdr_multiplier(i, batches_per_epoch, n_cycle, cycle_len, cycle_mult) for lr in lrs]
            for i in range(total)]
