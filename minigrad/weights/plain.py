"""Plain pickles of numbers, strings, containers and numpy arrays (CIFAR's data batches), read
without running pickle code: the allow-list unpickler of unpickle.py, trusting numpy's array
names only (rebuilt from their bytes by objects.py), every size checked against the file's.

    batch = read_pickle("cifar-10-batches-py/data_batch_1", encoding="latin1")
"""
import os

from .base import Budget, WeightsError
from .objects import Trust
from .rebuild import walk
from .unpickle import unpickle


def read_pickle(path, encoding="ASCII"):
    """The object pickled in the file at `path` (`encoding` as pickle.load's, for Python 2 pickles);
    anything but numbers, strings, bytes, dicts, lists, tuples, sets and numeric numpy arrays and
    scalars is refused with a WeightsError (a pickle.UnpicklingError too) naming the file."""
    path = os.fspath(path)
    size = os.path.getsize(path)
    if size == 0:
        raise WeightsError(f"{path}: the file is empty")
    trust, budget = Trust(numpy_only=True), Budget(path, size)
    with open(path, "rb") as f:
        obj = unpickle(f, path, budget, trust=trust, encoding=encoding)

    def no_tensor(_):
        raise WeightsError(f"{path}: holds a PyTorch tensor, which a plain pickle does not")
    return walk(obj, no_tensor, path, trust=trust, budget=budget)
