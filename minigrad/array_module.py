"""Where the numbers live: numpy on the CPU, cupy on an NVIDIA GPU.

Every op is written once against an "array module" `xp`, which is either
`numpy` or `cupy`; `get_array_module(*arrays)` picks the right one, the way
Chainer does. This file knows only arrays and devices. The seeded random source
lives in `random_source.py`; the fast ops' scratch memory and threads in
`ops/fast/workspace.py`. (`minigrad.backends`, plural, is another thing: PyTorch's
`torch.backends` flags, `backends.cudnn.enabled` and the like, for scripts that ask.)
"""
import numpy as np

try:  # cupy is optional: `pip install -e '.[gpu]'`
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
            "version (e.g. `pip install -e '.[gpu]'` in the minigrad checkout, or `pip install cupy-cuda12x`) "
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

