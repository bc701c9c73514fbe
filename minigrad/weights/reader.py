"""Which format is this file? Sniff its first bytes, hand it to its reader, and turn every
failure into one WeightsError that names the file.

`read_tree(path, leaf)` returns the whole saved structure (what `minigrad.load` gives back);
`load_weights(path)` returns the state dict inside it as {name: numpy array}.
"""
import collections
import lzma
import os
import pickle
import struct
import zipfile
import zlib

import numpy as np

from . import npz, pth, safetensors
from .base import MAX_DEPTH, Budget, WeightsError
from .unpickle import walk

# what a damaged file makes the standard library raise; each becomes a WeightsError naming the file
BROKEN = (zipfile.BadZipFile, zipfile.LargeZipFile, pickle.UnpicklingError, EOFError, struct.error, KeyError,
          IndexError, TypeError, ValueError, AttributeError, OverflowError, NotImplementedError, RuntimeError,
          zlib.error, lzma.LZMAError, RecursionError)


def _open_checked(path):
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"weight file not found: {path}")
    if os.path.isdir(path):
        raise WeightsError(f"{path}: is a folder, not a weight file (give the path of the .pth/.safetensors/.npz "
                           "inside it)")
    size = os.path.getsize(path)
    if size == 0:
        raise WeightsError(f"{path}: the file is empty (an interrupted download or save?)")
    return path, size


def _broken(path, what, err):
    return WeightsError(f"{path}: {what} ({type(err).__name__}: {str(err)[:300]})")


def read_tree(path, leaf=lambda array, requires_grad, location: array):
    """The structure saved in a weight file, with `leaf(array, requires_grad, location)` for each tensor
    (location: where it was saved from, "cpu" or "cuda:0")."""
    path, size = _open_checked(path)
    budget = Budget(path, size)
    try:
        with open(path, "rb") as f:
            head = f.read(9)
            f.seek(0)
            if head.startswith(b"PK"):
                with zipfile.ZipFile(f) as archive:
                    if npz.is_npz(archive.namelist()):
                        obj = npz.read(path, archive, budget)
                    else:
                        obj = pth.read_zip(path, archive, budget)
            elif head[8:9] == b"{" or head[8:9] == b"[":  # an 8-byte length, then the JSON header
                obj = safetensors.read(path, f, size)
            elif head[:1] == b"\x80":  # a pickle: PyTorch's format before 1.6
                obj = pth.read_legacy(path, pth.Capped(f, size), size, budget)
            else:
                raise WeightsError(f"{path}: not a weight file minigrad knows (.pth/.pt, .safetensors or .npz)")
    except WeightsError:
        raise
    except BROKEN as err:
        raise _broken(path, "unreadable or corrupt weight file", err) from None

    def materialise(t):
        try:
            return t.materialise(path, budget)
        except WeightsError:
            raise
        except BROKEN as err:
            raise _broken(path, "a tensor cannot be read", err) from None
    return walk(obj, lambda t: leaf(materialise(t), t.requires_grad, t.storage.location),
                path, array=lambda a: leaf(a, False, "cpu"))


STATE_DICT_KEYS = ("state_dict", "model", "model_state_dict")


def load_weights(path):
    """Read a weight file (.pth/.pt, .safetensors, .npz) into {name: numpy array}, never running its code.

    A checkpoint that holds its state dict under "state_dict", "model" or "model_state_dict" is
    unwrapped; entries that are not tensors (numbers, nested dicts) are left out."""
    tree = read_tree(path)
    for _ in range(MAX_DEPTH):  # walk() has refused cycles, so this ends
        if not isinstance(tree, dict) or any(isinstance(v, np.ndarray) for v in tree.values()):
            break
        inner = next((tree[k] for k in STATE_DICT_KEYS if isinstance(tree.get(k), dict)), None)
        if inner is None:
            break
        tree = inner
    if not isinstance(tree, dict):
        raise WeightsError(f"{os.fspath(path)}: holds a {type(tree).__name__}, not a state dict of named tensors")
    return collections.OrderedDict((str(k), v) for k, v in tree.items() if isinstance(v, np.ndarray))
