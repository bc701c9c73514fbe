"""Writing files atomically, and `save_weights` (minigrad's .npz).

A file is written to a temporary name in the same folder, flushed to disk, then renamed over the
target (`os.replace` is atomic): a crash, a full disk or Ctrl-C leaves the old file whole and no
temporary file behind. A kill -9 cannot be caught, so the temporary name carries the writer's
process id, and the next write of the same file removes what dead writers left.
"""
import contextlib
import os
import tempfile

import numpy as np

from .. import array_module
from ..tensor import Tensor


@contextlib.contextmanager
def atomic_write(path, suffix=""):
    """`with atomic_write(path) as f:` writes `path` whole or not at all."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"cannot write {path}: it is a folder; give a file name")
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    prefix = f".tmp-{os.path.basename(path)}-"
    _remove_stale(folder, prefix)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{prefix}{os.getpid()}-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _remove_stale(folder, prefix):
    """Delete temporary files of `prefix` whose writing process no longer exists (POSIX only:
    elsewhere os.kill cannot merely ask whether a process lives)."""
    if os.name != "posix":
        return
    for name in os.listdir(folder):
        pid = name[len(prefix):].split("-", 1)[0] if name.startswith(prefix) else ""
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:  # its writer is gone: nobody will finish or remove it
            with contextlib.suppress(OSError):
                os.remove(os.path.join(folder, name))
        except (PermissionError, OverflowError):  # alive under another user, or not a pid at all
            pass


def host_array(value, name, who):
    """A Tensor, numpy/cupy array or number -> a numpy array (Tensors and arrays both accepted)."""
    value = value.array if isinstance(value, Tensor) else value
    is_array = hasattr(value, "dtype") and hasattr(value, "shape")
    value = array_module.to_device(value if is_array else np.asarray(value), "cpu")
    if value.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {name!r} holds {value.dtype} data; only numeric arrays can be saved")
    return value


def save_weights(state, path):
    """Write {name: Tensor or array} (e.g. a Module's state_dict()) to .npz atomically."""
    path = os.fspath(path)
    if not path.endswith(".npz"):
        raise ValueError(f"save_weights writes .npz files; got {path!r} (add the .npz extension, "
                         "or use minigrad.save for any file name)")
    arrays = {str(name): host_array(value, name, "save_weights") for name, value in state.items()}
    with atomic_write(path, suffix=".npz") as f:
        np.savez(f, **arrays)
    return path
