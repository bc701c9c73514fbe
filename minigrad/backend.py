"""Where the numbers live: numpy on the CPU, cupy on an NVIDIA GPU.

Every op is written once against an "array module" `xp`, which is either
`numpy` or `cupy`; `get_array_module(*arrays)` picks the right one, the way
Chainer does. This file also owns the one seeded random source that weight
initialisation, shuffling, augmentation and dropout all draw from, so that
`manual_seed(n)` makes a whole run repeatable.
"""
import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

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


# ---- the seeded random source -------------------------------------------------------

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


# ---- reusable scratch memory ------------------------------------------------------------

_workspaces = {}


def workspace(xp, name, shape, dtype):
    """A scratch array of `shape`, reusing one grow-only buffer per name.

    im2col's columns are large (9x the input for a 3x3 kernel) and short-lived;
    a fresh numpy allocation of that size costs as much as filling it (the OS
    maps new zeroed pages every time). The caller must be done with the array
    before the next call with the same name. cupy's memory pool already reuses
    GPU memory, so on the GPU this is a plain `empty`.
    """
    if xp is not np:
        return xp.empty(shape, dtype=dtype)
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    buffer = _workspaces.get(name)
    if buffer is None or buffer.nbytes < size:
        buffer = _workspaces[name] = np.empty(size, dtype=np.uint8)
    return buffer[:size].view(dtype).reshape(shape)


# ---- threads for memory-bound copies ---------------------------------------------------

_threads = int(os.environ.get("MINIGRAD_NUM_THREADS", min(os.cpu_count() or 1, 8)))
_pool = None


def set_num_threads(n):
    """How many threads im2col and col2im split the batch over (BLAS has its own threads)."""
    global _threads, _pool
    _threads, _pool = max(1, int(n)), None


def get_num_threads():
    return _threads


PARALLEL_MIN_SIZE = 1 << 20  # below about a million numbers, handing work to threads costs more than it saves


def over_batch(xp, n, work, size):
    """Run work(start, stop) over slices of the batch range(n), in parallel on the CPU.

    numpy runs a copy or an add on one core, but releases the GIL while it does, so
    threads working on different images really run side by side (im2col: 1.8x on 2
    cores). Each image is one thread's alone, so writes never overlap. `size` is how
    many numbers the work touches: small jobs run directly (at 32px the threads made
    a resnet34 step 12% slower). On the GPU the work is already parallel: one call."""
    global _pool
    if xp is not np or _threads == 1 or n < 2 or size < PARALLEL_MIN_SIZE:
        work(0, n)
        return
    if _pool is None:
        _pool = ThreadPoolExecutor(_threads)
    bounds = [n * k // _threads for k in range(_threads + 1)]
    chunks = [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
    for future in [_pool.submit(work, a, b) for a, b in chunks]:
        future.result()
