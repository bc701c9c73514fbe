"""Which version of convolution, pooling, batch normalisation and ReLU runs.

Each of these ops exists twice: the reference version (ops/conv.py, ops/pooling.py,
ops/normalization.py), the lecture's math in one screen, and the fast version
(ops/fast/), the same numbers with threads, scratch memory and fused GPU kernels.
The fast one runs by default. One switch selects the reference everywhere:

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
    """The reference or the fast implementation, whichever the switch selects."""
    return reference if _reference else fast
