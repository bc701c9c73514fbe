"""Where the numbers live: numpy on the CPU, cupy on an NVIDIA GPU.

Every op is written once against an "array module" `xp`, which is either
`numpy` or `cupy`; `get_array_module(*arrays)` picks the right one, the way
Chainer does. This file knows only arrays and devices. The seeded random source
lives in `random_source.py`, the fast ops' scratch memory and threads in
`ops/fast/workspace.py`; their names are re-exported here so that
`backend.rng()`, `backend.manual_seed(...)`, `backend.set_num_threads(...)` keep working.
"""
import numpy as np

try:  # cupy is optional: `pip install minigrad[gpu]`
    import cupy
except ImportError:  # pragma: no cover - depends on the machine
    cupy = None

DEVICES = ("cpu", "cuda")


def cuda_available():
    """True when cupy is installed and can see at least one GPU."""
    if cupy is None:
        return False
    try:
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:  # no driver, no device
        return False


def get_array_module(*arrays):
    """numpy or cupy, whichever the arrays belong to (numpy for plain numbers)."""
    if cupy is not None:
        return cupy.get_array_module(*arrays)
    return np


def device_of(array):
    """'cuda' for a cupy array, 'cpu' for anything else."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return "cuda"
    return "cpu"


def check_device(device):
    """Validate a device name and make sure it can be used here."""
    if device not in DEVICES:
        raise ValueError(f"unknown device {device!r}: use 'cpu' or 'cuda'")
    if device == "cuda" and not cuda_available():
        why = "cupy is not installed" if cupy is None else "cupy finds no GPU"
        raise RuntimeError(
            f"device 'cuda' is not available here ({why}): install cupy for your CUDA "
            "version (e.g. `pip install minigrad[gpu]` or `pip install cupy-cuda12x`) "
            "on a machine with an NVIDIA GPU, or use device='cpu'")
    return device


def xp_for(device):
    """The array module of a device name."""
    return cupy if check_device(device) == "cuda" else np


def to_device(array, device):
    """Copy an array to 'cpu' (numpy) or 'cuda' (cupy); no copy if already there."""
    if device_of(array) == check_device(device):
        return array
    return cupy.asarray(array) if device == "cuda" else cupy.asnumpy(array)


def scatter_add(target, index, values):
    """target[index] += values, adding repeated indices (a plain += would keep only one)."""
    get_array_module(target).add.at(target, index, values)


# ---- names that moved (kept importable from here) ---------------------------------------

from .random_source import manual_seed, random_uniform, rng, use_rng  # noqa: E402,F401

_MOVED_TO_WORKSPACE = ("set_num_threads", "get_num_threads", "workspace", "over_batch", "PARALLEL_MIN_SIZE")


def __getattr__(name):
    """The thread and scratch-memory names moved to ops/fast/workspace.py; import them
    lazily (ops imports the tensor module, which imports this one)."""
    if name in _MOVED_TO_WORKSPACE:
        from .ops.fast import workspace
        return getattr(workspace, name)
    raise AttributeError(f"module 'minigrad.backend' has no attribute {name!r}")
