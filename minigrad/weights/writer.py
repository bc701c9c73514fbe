"""Writing files atomically, and `save_weights` (minigrad's .npz).

A file is written to a temporary name in the same folder, flushed to disk, then renamed over the
target (`os.replace` is atomic): a crash, a full disk or Ctrl-C leaves the old file whole and no
temporary file behind. A kill -9 cannot be caught, so the temporary name carries the writer's
process id, `.tmp-minigrad-<name>-<pid>-<8 random characters><suffix>`, and the next write of the
same file (or `remove_dead_writers_files`, in the folders it is given, not below) removes what dead
writers left: only files of exactly that form, only when no process of that id is alive, so neither
another run's write in progress nor a user's own `.tmp-notes` or `.tmp-photos-2019-x.zip` is touched. The file gets the permissions a new file gets (0644 under umask
022), as torch.save's do, not mkstemp's 0600.
"""
import contextlib
import os
import re
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
    prefix = f"{TEMP_PREFIX}{os.path.basename(path)}-"
    remove_dead_writers_files(folder, prefix=prefix)  # only this target's, in its folder
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f"{prefix}{os.getpid()}-", suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
            f.flush()
            os.fchmod(f.fileno(), 0o666 & ~_umask()) if hasattr(os, "fchmod") else None
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


TEMP_PREFIX = ".tmp-minigrad-"  # atomic_write's temporary names start so: no user names a file like that
TEMP_NAME = re.compile(r"\.tmp-minigrad-(?P<name>.+)-(?P<pid>\d+)-[a-z0-9_]{8}(?P<suffix>\.[\w.]+)?")


def _writer_is_dead(pid):
    """True when no process `pid` exists (POSIX only: elsewhere os.kill cannot merely ask)."""
    if os.name != "posix":
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OverflowError):  # alive under another user, or not a pid at all
        return False
    return False


def remove_dead_writers_files(*folders, prefix=TEMP_PREFIX):
    """Delete, in these folders (not below: the folders minigrad writes into), the temporary files
    atomic_write left when its process was killed: names of exactly atomic_write's form (starting with
    `prefix`: one target's, for atomic_write itself) whose process no longer exists. Returns their paths."""
    removed = []
    for folder in folders:
        if not os.path.isdir(folder):
            continue
        for name in os.listdir(folder):
            m = TEMP_NAME.fullmatch(name)
            path = os.path.join(folder, name)
            if m and name.startswith(prefix) and _writer_is_dead(m["pid"]) and os.path.isfile(path):
                with contextlib.suppress(OSError):  # another process may have removed it first
                    os.remove(path)
                    removed.append(path)
    return removed


def _umask():
    """The process's umask, read without changing it where Linux says it (/proc), else set and restored."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


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
