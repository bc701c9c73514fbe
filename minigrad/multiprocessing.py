"""torch.multiprocessing's place: Python's multiprocessing, plus tensors that processes share.

Everything of Python's `multiprocessing` is here under the same names (Process, Queue, Pool,
set_start_method, get_context, cpu_count, ...), as in torch. What torch adds, minigrad adds:
  - A Tensor sent to another process (a Process's arguments under the spawn start method, or a
    Queue) moves into shared memory (Tensor.share_memory_, shared_arrays.py) and arrives as a view of
    the same memory, not a copy: Hogwild's processes, each given the model, train one set of numbers.
    A child made by fork shares a tensor that was in shared memory before the fork.
  - spawn(fn, args, nprocs): start nprocs processes running fn(i, *args), wait for them, and raise
    the first child's exception in the parent (ProcessRaisedException), as torch's.
"""
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import tempfile
from multiprocessing import *  # noqa: F401,F403  (Process, Queue, Pool, set_start_method, ...)
from multiprocessing.reduction import DupFd, ForkingPickler

from . import shared_arrays
from .nn.module import Parameter
from .tensor import Tensor

__all__ = list(multiprocessing.__all__) + ["spawn", "start_processes", "ProcessContext", "ProcessException",
                                           "ProcessRaisedException", "ProcessExitedException",
                                           "get_sharing_strategy", "set_sharing_strategy",
                                           "get_all_sharing_strategies"]


# ---- tensors between processes ---------------------------------------------------------------------

def rebuild_tensor(cls, fd, size, dtype, shape, strides, offset, requires_grad):
    """In the receiving process: map the same memory and make a tensor of it."""
    mapping = shared_arrays.SharedMap(fd.detach(), size)
    tensor = cls._wrap(shared_arrays.from_map(mapping, dtype, shape, strides, offset))
    tensor.requires_grad = requires_grad
    return tensor


def reduce_tensor(tensor):
    """How ForkingPickler sends a tensor: its memory shared, then a descriptor of it and the view."""
    if tensor.requires_grad and not tensor.is_leaf:
        raise RuntimeError("Cowardly refusing to serialize non-leaf tensor which requires_grad, since autograd does "
                           "not support crossing process boundaries.  If you just want to transfer the data, call "
                           "detach() on the tensor before serializing (e.g., putting it on the queue).")
    if tensor.is_cuda:
        raise NotImplementedError("minigrad cannot share a GPU tensor between processes (torch uses CUDA IPC); "
                                  "send tensor.cpu() instead")
    tensor.share_memory_()
    mapping = shared_arrays.shared_map(tensor.array)
    array = tensor.array
    return rebuild_tensor, (type(tensor), DupFd(mapping.fd), mapping.size, array.dtype.str, array.shape,
                            array.strides, shared_arrays.offset_in(array, mapping), tensor.requires_grad)


for _cls in (Tensor, Parameter):
    ForkingPickler.register(_cls, reduce_tensor)


def get_all_sharing_strategies():
    return {"file_descriptor"}


def get_sharing_strategy():
    return "file_descriptor"


def set_sharing_strategy(new_strategy):
    """torch's strategies: minigrad always passes file descriptors ('file_descriptor')."""
    if new_strategy not in get_all_sharing_strategies():
        raise ValueError(f"minigrad shares tensors by 'file_descriptor' only, not {new_strategy!r}")


# ---- spawn -----------------------------------------------------------------------------------------

class ProcessException(Exception):
    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.msg, self.error_index, self.error_pid = msg, error_index, error_pid

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid)


class ProcessRaisedException(ProcessException):
    """A process failed with an exception; the message holds its traceback."""


class ProcessExitedException(ProcessException):
    """A process exited with a non-zero code or was killed by a signal."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name

    def __reduce__(self):
        return type(self), (self.msg, self.error_index, self.error_pid, self.exit_code, self.signal_name)


def _wrap(fn, i, args, error_file):
    """What each spawned process runs: fn(i, *args); an exception's traceback goes to error_file."""
    try:
        fn(i, *args)
    except KeyboardInterrupt:
        pass  # stopped by the parent
    except Exception:
        import traceback
        with open(error_file, "wb") as f:
            pickle.dump(traceback.format_exc(), f)
        sys.exit(1)


class ProcessContext:
    """The processes spawn started; join() waits for them and raises the first failure."""

    def __init__(self, processes, error_files):
        self.processes, self.error_files = processes, error_files
        self.sentinels = {p.sentinel: i for i, p in enumerate(processes)}

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None):
        """True once every process has ended well, False while some still run (after timeout seconds);
        on a failure, stop the others and raise ProcessRaisedException / ProcessExitedException."""
        if not self.sentinels:
            return True
        failed = None
        for sentinel in multiprocessing.connection.wait(list(self.sentinels), timeout=timeout):
            index = self.sentinels.pop(sentinel)
            self.processes[index].join()
            if self.processes[index].exitcode != 0:
                failed = index
                break
        if failed is None:
            return not self.sentinels
        for process in self.processes:
            if process.is_alive():
                process.terminate()
            process.join()
        process, error_file = self.processes[failed], self.error_files[failed]
        if os.access(error_file, os.R_OK) and os.path.getsize(error_file):
            with open(error_file, "rb") as f:
                trace = pickle.load(f)
            raise ProcessRaisedException(f"\n\n-- Process {failed:d} terminated with the following error:\n{trace}",
                                         failed, process.pid)
        code = process.exitcode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"<Unknown signal {-code}>"
            raise ProcessExitedException(f"process {failed:d} terminated with signal {name}", failed, process.pid,
                                         code, name)
        raise ProcessExitedException(f"process {failed:d} terminated with exit code {code:d}", failed, process.pid,
                                     code)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Start nprocs processes running fn(i, *args), i = 0 .. nprocs-1; with join, wait for all of them
    (re-raising a child's failure), else return the ProcessContext."""
    context = multiprocessing.get_context(start_method)
    processes, error_files = [], []
    for i in range(nprocs):
        with tempfile.NamedTemporaryFile(prefix="minigrad-spawn-", suffix=".pickle", delete=False) as f:
            error_files.append(f.name)  # empty until the process fails
        process = context.Process(target=_wrap, args=(fn, i, args, f.name), daemon=daemon)
        process.start()
        processes.append(process)
    spawned = ProcessContext(processes, error_files)
    if not join:
        return spawned
    try:
        while not spawned.join():
            pass
    finally:
        for name in error_files:
            if os.path.exists(name):
                os.remove(name)


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn: start_processes with the spawn start method."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)
