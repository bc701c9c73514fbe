"""The one seeded random source that weight initialisation, shuffling, augmentation
and dropout all draw from, so that `manual_seed(n)` makes a whole run repeatable.

The host generator is numpy's; on the GPU, cupy's generator is seeded alongside.
A data loader worker can give its thread its own generator (`use_rng`), so that
augmentation does not depend on which thread runs which sample.
"""
import contextlib
import threading

import numpy as np

from .backend import cuda_available, cupy

_rng = np.random.default_rng(0)
_local = threading.local()  # a per-thread generator, set by data loader workers


def manual_seed(seed):
    """Seed every random source minigrad uses (init, shuffling, augmentation, dropout)."""
    global _rng
    _rng = np.random.default_rng(seed)
    if cupy is not None and cuda_available():
        cupy.random.seed(seed)


def rng():
    """The host random generator (numpy.random.Generator) seeded by manual_seed, or the
    one `use_rng` set for this thread."""
    return getattr(_local, "rng", None) or _rng


@contextlib.contextmanager
def use_rng(generator):
    """Within this block, this thread draws from `generator`. The data loader gives each
    sample a generator seeded from (epoch seed, index), so augmentation is the same
    whatever thread runs it and in whatever order."""
    previous = getattr(_local, "rng", None)
    _local.rng = generator
    try:
        yield generator
    finally:
        _local.rng = previous


def random_uniform(xp, shape, dtype):
    """Uniform [0, 1) samples drawn on the device of `xp`, from the seeded source."""
    if xp is np:
        return rng().random(shape, dtype=np.float32).astype(dtype, copy=False)
    return xp.random.random_sample(shape, dtype=np.float32).astype(dtype, copy=False)
