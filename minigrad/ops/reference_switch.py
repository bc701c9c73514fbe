"""Which version of convolution, max pooling, batch normalisation, ReLU and the matrix products runs.

Each of these ops exists twice (average and adaptive pooling only once): the reference version (ops/conv.py, ops/pooling.py,
ops/normalization.py, ops/activations.py, ops/matmul.py), the lecture's math in one screen,
and the fast version (ops/fast/, the same file names, the class names ending in Fast), the
same numbers with threads, scratch memory, BLAS thread counts and fused GPU kernels. The
fast one runs by default, for speed: stepping into F.conv2d in a debugger lands in
ops/fast/conv.py. To step through the reference files instead, one switch selects them
everywhere:

    minigrad.ops.use_reference(True)          # from now on
    with minigrad.ops.use_reference():        # inside this block only
        ...
    MINIGRAD_REFERENCE_OPS=1 python train.py  # for a whole run

The switch is process-wide (not per thread) and is read when an op is called.
"""
import os

_reference = os.environ.get("MINIGRAD_REFERENCE_OPS", "0").strip().lower() not in ("", "0", "false", "no")


def reference_enabled():
    """True when the reference versions run."""
    return _reference


class use_reference:
    """Select the reference ops (`enabled=True`) or the fast ones (`False`). Takes effect at
    once; used as a context manager, the previous choice comes back at the block's end."""

    def __init__(self, enabled=True):
        global _reference
        self.previous, _reference = _reference, bool(enabled)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        global _reference
        _reference = self.previous


def pick(reference, fast):
    """The op class that runs: `fast` (its twin in ops/fast/) by default, `reference` (the
    readable one in ops/) under MINIGRAD_REFERENCE_OPS=1 or `use_reference()`. Every place that
    chooses between the two calls this one function: F.conv2d, F.max_pool2d, F.avg_pool2d,
    F.batch_norm, F.relu, F.linear and `@` (Tensor.__matmul__)."""
    return reference if _reference else fast
