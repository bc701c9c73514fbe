"""`minigrad.save(obj, f)` and `minigrad.load(f)`: PyTorch's spellings and PyTorch's file format.

What `minigrad.save` writes, `torch.load` reads (and the other way round): a PyTorch zip checkpoint
(torchzip.py). `f` is a path (written atomically) or an open binary file (io.BytesIO too). `obj`
is a state dict or a whole checkpoint (nested dicts, lists and tuples of Tensors, numbers, strings,
bools and None), or anything else pickle can write, as in PyTorch: a numpy array, a whole Module.
Loading never runs the file's pickle code: unpickle.py rebuilds tensors, containers, numbers and
strings itself, and anything else only as the caller allows (objects.py, safe_globals.py):
    - `weights_only=True` (the default, as torch 2.6+): only what `minigrad.serialization.safe_globals`
      / `add_safe_globals` lists, with torch's refusal otherwise (a numpy array needs
      numpy._core.multiarray._reconstruct, numpy.ndarray, numpy.dtype and its dtype class, as in torch);
    - `weights_only=False` (for files you trust): also any class of a module already imported, rebuilt
      as pickle rebuilds instances; unlike torch, still no function the file names is called and
      nothing is imported, so a file cannot run a command.
"""
import io
import os
import pickle

import numpy as np

from .. import array_module
from ..tensor import Tensor, tensor
from . import torchzip
from .reader import read_tree
from .writer import atomic_write


def _as_saved(obj):
    """(numpy array, requires_grad, location, is_parameter) for a Tensor (or a cupy array, which torch
    has no pickle of: saved as a tensor), None for anything else (a numpy array is pickled as numpy does)."""
    from ..nn.module import Parameter  # nn sits beside weights; Parameter is a Tensor that says so
    if isinstance(obj, Tensor):
        array, requires_grad = obj.array, obj.requires_grad
    elif not isinstance(obj, np.ndarray) and array_module.device_of(obj) == "cuda":
        array, requires_grad = obj, False
    else:
        return None
    location = "cuda:0" if array_module.device_of(array) == "cuda" else "cpu"
    return array_module.to_device(array, "cpu"), requires_grad, location, isinstance(obj, Parameter)


def save(obj, f, pickle_module=None, pickle_protocol=2):
    """Save `obj` to `f`, a path (any name: .pt, .pth, ...) or an open binary file, as `torch.save`.

    Tensors keep their dtype, shape and requires_grad (an nn.Parameter stays one); numpy arrays and
    scalars, whole Modules and other objects are pickled as torch pickles them (loading them back
    needs their classes allowed: see minigrad.load). A path is written atomically: a temporary file
    in the same folder is renamed over it only once complete. An open file gets the bytes at its
    position and stays open."""
    if pickle_module not in (None, pickle) or pickle_protocol != 2:
        raise ValueError("minigrad.save writes PyTorch's default format (pickle protocol 2) only; leave "
                         "pickle_module and pickle_protocol at their defaults")
    if hasattr(f, "write"):
        buffer = io.BytesIO()  # zipfile seeks back to fix its headers: write whole, then hand over
        torchzip.write(buffer, obj, _as_saved)
        f.write(buffer.getbuffer())
        return
    if not isinstance(f, (str, os.PathLike)):
        raise AttributeError(f"minigrad.save: f must be a file path or an open binary file, got {type(f).__name__}")
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


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, encoding="ASCII"):
    """Load what `minigrad.save` or `torch.save` wrote (.pt/.pth zip or legacy; also .safetensors and .npz)
    from a path or an open binary file.

    Tensors come back as minigrad Tensors with their dtype and requires_grad (nn.Parameters as
    Parameters); containers, numbers and strings as they were saved. map_location: None puts each
    tensor where it was saved from (a CUDA tensor needs a GPU, as in PyTorch), 'cpu' or 'cuda' puts
    every tensor there, and a dict maps saved locations ({'cuda:0': 'cpu'}). weights_only (None: True,
    as torch 2.6+) and what else may be rebuilt: see the module docstring; nothing from the file is
    ever run. A refused file raises a WeightsError (also a pickle.UnpicklingError, as torch's) naming
    the file, and so do truncated or crafted files. mmap is accepted and ignored (the file is read)."""
    del mmap
    if pickle_module is not None:
        raise ValueError("minigrad.load reads pickles with its own allow-list unpickler; pickle_module is not "
                         "supported (leave it None)")
    device_for = _device_map(map_location)

    def leaf(array, requires_grad, location):
        device = device_for(location)
        if device == "cuda" and not array_module.cuda_available():
            raise RuntimeError(f"{getattr(f, 'name', f)} holds a tensor saved from {location}, and there is no GPU "
                               "here: load it with minigrad.load(path, map_location='cpu')")
        requires_grad = requires_grad and array.dtype.kind == "f"
        return tensor(array, requires_grad=requires_grad, dtype=array.dtype, device=device)

    def parameter(t):
        from ..nn.module import Parameter
        return Parameter(t, requires_grad=t.requires_grad)
    return read_tree(f, leaf, weights_only=weights_only is not False, encoding=encoding, parameter=parameter)
