"""Which format is this file? Sniff its first bytes, hand it to its reader, and turn every
failure into one WeightsError that names the file.

`read_tree(path, leaf)` returns the whole saved structure (what `minigrad.load` gives back);
`load_weights(path)` returns the state dict inside it as {name: numpy array}. Both read a path or an
open binary file (read from where it stands, as torch.load does).
"""
import collections
import contextlib
import io
import lzma
import os
import pickle
import struct
import zipfile
import zlib

import numpy as np

from . import npz, pth, safetensors
from .base import MAX_DEPTH, Budget, WeightsError
from .objects import Trust
from .rebuild import walk

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


@contextlib.contextmanager
def _opened(source):
    """(name for messages, seekable binary file, bytes from its position to its end) for a path or an open file."""
    if not hasattr(source, "read"):
        path, size = _open_checked(source)
        with open(path, "rb") as f:
            yield path, f, size
        return
    name = getattr(source, "name", None)
    name = os.fspath(name) if isinstance(name, (str, os.PathLike)) else f"<{type(source).__name__}>"
    seekable = getattr(source, "seekable", lambda: False)()
    f = source if seekable else io.BytesIO(source.read())
    start = f.tell()
    size = f.seek(0, os.SEEK_END) - start
    f.seek(start)
    if isinstance(f.read(0), str):
        raise TypeError(f"minigrad.load: {name} is open in text mode; open it with 'rb'")
    if size <= 0:
        raise WeightsError(f"{name}: the file is empty from where it stands (an interrupted save, or already read?)")
    yield name, _From(f, start), size


class _From:
    """An open file seen from `start` on, as if it began there (zipfile and the readers seek to 0)."""

    def __init__(self, f, start):
        self.f, self.start = f, start

    def seek(self, pos, whence=0):
        return self.f.seek(pos + self.start if whence == 0 else pos, whence) - self.start

    def tell(self):
        return self.f.tell() - self.start

    def read(self, n=-1):
        return self.f.read(n)

    def readline(self, n=-1):
        return self.f.readline(n)

    def seekable(self):
        return True


def _broken(path, what, err):
    return WeightsError(f"{path}: {what} ({type(err).__name__}: {str(err)[:300]})")


def read_tree(source, leaf=lambda array, requires_grad, location: array, weights_only=True, encoding="ASCII",
              parameter=None):
    """The structure saved in a weight file (a path or an open binary file), with
    `leaf(array, requires_grad, location)` for each tensor (location: where it was saved from, "cpu" or
    "cuda:0"), and `parameter(that)` for one saved as an nn.Parameter. Objects other than tensors and
    containers only as `weights_only` and the safe globals allow (objects.py)."""
    trust, path = Trust(weights_only), None
    try:
        with _opened(source) as (path, f, size):
            budget = Budget(path, size)
            head = f.read(9)
            f.seek(0)
            if head.startswith(b"PK"):
                with zipfile.ZipFile(f) as archive:
                    if npz.is_npz(archive.namelist()):
                        obj = npz.read(path, archive, budget)
                    else:
                        obj = pth.read_zip(path, archive, budget, trust, encoding)
            elif head[8:9] == b"{" or head[8:9] == b"[":  # an 8-byte length, then the JSON header
                obj = safetensors.read(path, f, size)
            elif head[:1] == b"\x80":  # a pickle: PyTorch's format before 1.6
                obj = pth.read_legacy(path, pth.Capped(f, size), size, budget, trust, encoding)
            else:
                raise WeightsError(f"{path}: not a weight file minigrad knows (.pth/.pt, .safetensors or .npz)")
    except (WeightsError, FileNotFoundError):
        raise
    except BROKEN as err:
        if path is None:
            raise
        raise _broken(path, "unreadable or corrupt weight file", err) from None

    def materialise(t):
        try:
            return t.materialise(path, budget)
        except WeightsError:
            raise
        except BROKEN as err:
            raise _broken(path, "a tensor cannot be read", err) from None

    def tensor(t):
        out = leaf(materialise(t), t.requires_grad, t.storage.location)
        return parameter(out) if t.parameter and parameter is not None else out
    return walk(obj, tensor, path, array=lambda a: leaf(a, False, "cpu"), trust=trust, budget=budget)


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
        name = getattr(path, "name", None) if hasattr(path, "read") else os.fspath(path)
        raise WeightsError(f"{name}: holds a {type(tree).__name__}, not a state dict of named tensors")
    return collections.OrderedDict((str(k), v) for k, v in tree.items() if isinstance(v, np.ndarray))
