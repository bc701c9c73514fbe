"""The one seeded random source that weight initialisation, shuffling, augmentation
and dropout all draw from, so that `manual_seed(n)` makes a whole run repeatable.

The host generator is numpy's; on the GPU, cupy's generator is seeded alongside.
A data loader worker can give its thread its own generator (`use_rng`), so that
augmentation does not depend on which thread runs which sample.
"""
import contextlib
import threading

import numpy as np

from .array_module import cuda_available, cupy

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


class Generator(np.random.Generator):
    """torch.Generator: a random source of its own, for `generator=` (DataLoader, random_split, the
    samplers, multinomial, rand...). It is a numpy Generator, so it works wherever minigrad draws, with
    torch's seeding methods; the same seed draws other numbers than torch's (numpy's PCG64)."""
    default_seed = 67280421310721  # torch's initial seed of a new Generator

    def __init__(self, device="cpu"):
        super().__init__(np.random.PCG64(self.default_seed))
        self._initial_seed, self.device = self.default_seed, device

    def manual_seed(self, seed):
        """Start again from `seed`; returns the generator, as torch's (g = Generator().manual_seed(42))."""
        self._initial_seed = int(seed)
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns the seed."""
        seed = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._initial_seed

    def get_state(self):
        return self.bit_generator.state

    def set_state(self, state):
        self.bit_generator.state = state
        return self


def random_uniform(xp, shape, dtype):
    """Uniform [0, 1) samples drawn on the device of `xp`, from the seeded source."""
    if xp is np:
        return rng().random(shape, dtype=np.float32).astype(dtype, copy=False)
    return xp.random.random_sample(shape, dtype=np.float32).astype(dtype, copy=False)
