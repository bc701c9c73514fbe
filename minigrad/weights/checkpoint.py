"""`minigrad.save(obj, path)` and `minigrad.load(path)`: PyTorch's spellings and PyTorch's file format.

What `minigrad.save` writes, `torch.load(path, weights_only=True)` reads (and the other way round):
a PyTorch zip checkpoint (see torchzip.py). `obj` is a state dict or a whole checkpoint: nested
dicts, lists and tuples of Tensors, numpy/cupy arrays, numbers, strings, bools and None. Loading
never runs pickle code: the allow-list reader of unpickle.py builds only those things.
"""
import os

import numpy as np

from .. import backend
from ..tensor import Tensor, tensor
from . import torchzip
from .reader import read_tree
from .writer import atomic_write


def _as_saved(obj):
    """(numpy array, requires_grad, location) for a Tensor or an array, None for anything else."""
    if isinstance(obj, Tensor):
        array, requires_grad = obj.array, obj.requires_grad
    elif isinstance(obj, np.ndarray) or backend.device_of(obj) == "cuda":
        array, requires_grad = obj, False
    else:
        return None
    location = "cuda:0" if backend.device_of(array) == "cuda" else "cpu"
    return backend.to_device(array, "cpu"), requires_grad, location


def save(obj, f):
    """Save a state dict or checkpoint to the file `f` (any name: .pt, .pth, ...), atomically.

    As `torch.save(obj, f)`: Tensors keep their dtype, shape and requires_grad, and are read back as
    Tensors; numpy/cupy arrays are saved as tensors too (so they also come back as Tensors), numpy
    scalars as Python numbers. The file is PyTorch's zip format: `torch.load` reads it.
    A temporary file in the same folder is renamed over `f` only once it is complete."""
    if hasattr(f, "write"):
        raise TypeError("minigrad.save takes a file path (it writes atomically via a temporary file), "
                        "not an open file")
    with atomic_write(os.fspath(f), suffix=".pt") as out:
        torchzip.write(out, obj, _as_saved)


def _device_map(map_location):
    """map_location -> a function from a saved location ('cpu', 'cuda:0') to 'cpu' or 'cuda'."""
    def name(device):
        device = str(device)  # also a torch.device
        if device == "cpu" or device == "cuda" or device.startswith("cuda:"):
            return "cpu" if device == "cpu" else "cuda"
        raise ValueError(f"minigrad.load: unknown device {device!r} in map_location; use 'cpu' or 'cuda'")
    if map_location is None:
        return name
    if isinstance(map_location, dict):
        table = {str(k): name(v) for k, v in map_location.items()}
        return lambda location: table.get(location, name(location))
    if callable(map_location):
        raise TypeError("minigrad.load: a function as map_location is not supported; give 'cpu', 'cuda' or a dict")
    target = name(map_location)
    return lambda location: target


def load(f, map_location=None, weights_only=True):
    """Load what `minigrad.save` or `torch.save` wrote (.pt/.pth zip or legacy; also .safetensors and .npz).

    Tensors come back as minigrad Tensors with their dtype and requires_grad; containers, numbers and
    strings as they were saved. map_location: None puts each tensor where it was saved from (a CUDA
    tensor needs a GPU, as in PyTorch), 'cpu' or 'cuda' puts every tensor there, and a dict maps saved
    locations ({'cuda:0': 'cpu'}). No pickle code ever runs, whatever `weights_only` says: a file that
    holds anything but tensors, containers, numbers and strings (a whole pickled model) is refused
    with a WeightsError naming the file, and so are truncated or crafted files."""
    del weights_only  # minigrad always loads as weights_only=True does
    if hasattr(f, "read"):
        raise TypeError("minigrad.load takes a file path, not an open file")
    device_for = _device_map(map_location)

    def leaf(array, requires_grad, location):
        device = device_for(location)
        if device == "cuda" and not backend.cuda_available():
            raise RuntimeError(f"{os.fspath(f)} holds a tensor saved from {location}, and there is no GPU here: "
                               "load it with minigrad.load(path, map_location='cpu')")
        requires_grad = requires_grad and array.dtype.kind == "f"
        return tensor(array, requires_grad=requires_grad, dtype=array.dtype, device=device)
    return read_tree(f, leaf)
