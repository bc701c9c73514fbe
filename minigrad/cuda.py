"""minigrad.cuda: PyTorch's spellings for the GPU question (cupy underneath)."""
from .array_module import cuda_available, cupy


def is_available():
    """True when cupy is installed and sees an NVIDIA GPU."""
    return cuda_available()


def device_count():
    return cupy.cuda.runtime.getDeviceCount() if is_available() else 0


def synchronize():
    if is_available():
        cupy.cuda.Device().synchronize()


def manual_seed(seed):
    if is_available():
        cupy.random.seed(seed)


manual_seed_all = manual_seed
