"""minigrad.accelerator: torch.accelerator's two questions (pytorch/examples' mnist asks them)."""
from . import cuda
from .tensor import device


def is_available():
    return cuda.is_available()


def current_accelerator():
    """device('cuda') when a GPU is usable, else None (as PyTorch)."""
    return device("cuda") if cuda.is_available() else None
