"""The process group: who am I (rank), how many of us (world size), and the collectives.

A collective is an operation every process of the group calls together. The one that
data parallelism needs is the ALL-REDUCE: every process holds an array of the same
shape; afterwards every process holds the element-wise SUM of all of them. (MPI and
NCCL do it with a ring or a tree: each process sends and receives about twice the
array's size whatever the number of processes, so it scales to many machines.)
Broadcast copies rank 0's array to everyone; barrier waits until all have arrived.

minigrad does not move bytes itself. Between processes and machines it uses MPI
(through mpi4py; the MPI library may be the `mpich` wheel from the package index, or
the system's), started by `mpiexec -n N python script.py`. Between GPUs it uses NVIDIA's
NCCL (through cupy.cuda.nccl), whose communicator is set up with a unique id that
rank 0 makes and MPI broadcasts.

A script that is not started by mpiexec is a group of one (rank 0, world size 1): every
collective returns its input unchanged, and mpi4py is not even imported.
"""
import contextlib
import os
import sys
import time

import numpy as np

from .. import array_module
from .work import Work

# Environment variables by which launchers tell a process that it is one of several:
# MPICH and Intel MPI (hydra), Open MPI, PMIx, Slurm's srun.
_LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE")
_LOCAL_RANK_VARS = ("MPI_LOCALRANKID", "OMPI_COMM_WORLD_LOCAL_RANK", "MV2_COMM_WORLD_LOCAL_RANK", "SLURM_LOCALID")

_group = None


def launched_by_mpi():
    """True when an MPI launcher started this process as one of several."""
    return any(int(os.environ.get(v, "1") or 1) > 1 for v in _LAUNCHER_SIZE_VARS)


def init_process_group(backend_name=None):
    """Join the group of processes started together (idempotent; returns the group).

    backend_name (default: $MINIGRAD_DISTRIBUTED_BACKEND): None picks by array: MPI for
    numpy arrays, NCCL for cupy arrays when cupy has NCCL and each process has a GPU of its
    own (else MPI through host copies); "mpi" sends everything through MPI; "nccl" insists
    on NCCL for GPU arrays. Without a launcher and without backend_name, this is a group of
    one that costs nothing.
    """
    global _group
    backend_name = backend_name or os.environ.get("MINIGRAD_DISTRIBUTED_BACKEND") or None
    if _group is None:
        if backend_name is None and not launched_by_mpi():
            _group = SingleProcessGroup()
        else:
            _group = MPIGroup(backend_name)
    return _group


def group():
    """The process group, joined on first use."""
    return _group or init_process_group()


def is_initialized():
    return _group is not None


def get_rank():
    """This process's number, 0 .. world size - 1 (0 without a launcher)."""
    return group().rank


def get_world_size():
    """How many processes train together (1 without a launcher)."""
    return group().size


def is_main_process():
    """Rank 0: the one process that writes files, plots and progress."""
    return get_rank() == 0


def barrier():
    group().barrier()


@contextlib.contextmanager
def main_process_first():
    """Rank 0 runs the block first (e.g. writes a data set or a cache), then the others (who find it made)."""
    if not is_main_process():
        barrier()
    try:
        yield
    finally:
        if is_main_process():
            barrier()


def run(main, *args, **kwargs):
    """main(*args, **kwargs); under mpiexec, a rank that ends with an error stops every rank (MPI_Abort).
    An exception already does (init_process_group's excepthook), but SystemExit with a message or a
    non-zero code, a script's way to end with an error, does not reach the excepthook, and the other
    ranks would wait forever in their next collective."""
    try:
        return main(*args, **kwargs)
    except SystemExit as e:
        if e.code not in (None, 0) and _group is not None and _group.size > 1:
            if not isinstance(e.code, int):
                print(e.code, file=sys.stderr)
            sys.stderr.write(f"minigrad.distributed: rank {_group.rank} exited with an error; aborting all ranks\n")
            _abort(_group.comm, e.code if isinstance(e.code, int) else 1)
        raise


def quiet_other_ranks():
    """Only rank 0 prints: print() elsewhere does nothing unless called with force=True."""
    if is_main_process():
        return
    import builtins
    if getattr(builtins.print, "_minigrad_quiet", False):
        return
    original = builtins.print

    def print(*args, force=False, **kwargs):
        if force:
            original(*args, **kwargs)

    print._minigrad_quiet = True
    builtins.print = print


def all_reduce(array, op="sum"):
    """In place: every rank's `array` becomes the element-wise sum (or mean) over all ranks."""
    return group().all_reduce(array, op)


def broadcast(array, src=0):
    """In place: every rank's `array` becomes rank src's."""
    return group().broadcast(array, src)


class SingleProcessGroup:
    """World size 1: every collective is the identity."""
    rank, size, local_rank = 0, 1, 0

    def all_reduce(self, array, op="sum"):
        return array

    def iall_reduce(self, array):
        return Work()

    def broadcast(self, array, src=0):
        return array

    def broadcast_object(self, obj, src=0):
        return obj

    def all_gather_object(self, obj):
        return [obj]

    def barrier(self):
        pass


class MPIGroup:
    """Processes started by mpiexec: MPI for host arrays, NCCL (or MPI via the host) for GPU arrays."""

    def __init__(self, backend_name=None):
        if backend_name not in (None, "mpi", "nccl"):
            raise ValueError(f"init_process_group: unknown backend {backend_name!r}: use 'mpi', 'nccl' or None")
        try:
            from mpi4py import MPI
        except ImportError as e:
            raise RuntimeError(
                "minigrad.distributed: this process was started by an MPI launcher (or asked for MPI), but mpi4py "
                f"cannot be imported ({e}). Install it with `pip install -e '.[dist]'` in the minigrad checkout (mpi4py and the mpich "
                "wheel), or run without mpiexec for a single process") from e
        self.MPI, self.backend_name = MPI, backend_name
        self.comm = MPI.COMM_WORLD
        self.rank, self.size = self.comm.Get_rank(), self.comm.Get_size()
        local = self.comm.Split_type(MPI.COMM_TYPE_SHARED)
        self.local_rank, self.local_size = local.Get_rank(), local.Get_size()
        self._nccl = None
        self.cuda_side_stream = True  # NCCL all-reduces started by iall_reduce may run on a stream of their own
        _abort_on_uncaught_exception(self.comm)
        _use_local_gpu(self.local_rank)

    def dup(self):
        """A second group over the same processes, whose collectives never interleave with this one's
        (DistributedDataParallel's gradient buckets use it while SyncBatchNorm uses the original)."""
        other = object.__new__(MPIGroup)
        other.__dict__.update(self.__dict__)
        other.comm, other._nccl = self.comm.Dup(), None
        return other

    # ---- host (numpy) and GPU (cupy) arrays --------------------------------------------------
    def _nccl_comm(self):
        """The NCCL communicator, made on first use: rank 0 makes a unique id, MPI broadcasts it."""
        if self._nccl is None:
            from . import nccl
            why = None
            if not nccl.available():
                why = "cupy.cuda.nccl is not available here (install NCCL for cupy, e.g. nvidia-nccl-cu12)"
            elif self.local_size > array_module.cupy.cuda.runtime.getDeviceCount():
                why = (f"{self.local_size} processes share {array_module.cupy.cuda.runtime.getDeviceCount()} GPU(s) on "
                       "this machine, and NCCL needs one GPU per process")
            if self.backend_name == "nccl" and why:
                raise RuntimeError(f"init_process_group('nccl'): {why}; start one process per GPU, or use 'mpi'")
            if self.backend_name == "mpi" or why:
                if why and self.rank == 0:
                    print(f"minigrad.distributed: GPU arrays go through MPI and the host: {why}", file=sys.stderr)
                self._nccl = False
            else:
                self._nccl = nccl.Communicator(self.comm, self.rank, self.size)
        return self._nccl

    def all_reduce(self, array, op="sum"):
        self.iall_reduce(array, blocking=True)
        if op == "mean":
            array /= self.size
        elif op != "sum":
            raise ValueError(f"all_reduce: op must be 'sum' or 'mean', got {op!r}")
        return array

    def iall_reduce(self, array, blocking=False):
        """Start summing `array` (contiguous) over all ranks, in place; returns a Work."""
        if array_module.device_of(array) == "cuda":
            nccl = self._nccl_comm()
            if nccl:
                return nccl.all_reduce(array, blocking or not self.cuda_side_stream)
            host = array_module.to_device(array, "cpu")  # an MPI without CUDA support: through the host
            self.comm.Allreduce(self.MPI.IN_PLACE, host, op=self.MPI.SUM)
            array[...] = array_module.to_device(host, "cuda")
            return Work()
        if blocking:
            self.comm.Allreduce(self.MPI.IN_PLACE, array, op=self.MPI.SUM)
            return Work()
        request = self.comm.Iallreduce(self.MPI.IN_PLACE, array, op=self.MPI.SUM)
        return Work(request.Wait, request.Test)

    def broadcast(self, array, src=0):
        if array_module.device_of(array) == "cuda":
            nccl = self._nccl_comm()
            if nccl:
                nccl.broadcast(array, src)
                return array
            host = np.ascontiguousarray(array_module.to_device(array, "cpu"))
            self.comm.Bcast(host, root=src)
            array[...] = array_module.to_device(host, "cuda")
            return array
        if not array.flags.c_contiguous:
            raise ValueError("broadcast: the array must be contiguous")
        self.comm.Bcast(array, root=src)
        return array

    def broadcast_object(self, obj, src=0):
        return self.comm.bcast(obj, root=src)

    def all_gather_object(self, obj):
        return self.comm.allgather(obj)

    def barrier(self):
        """Wait for every rank, sleeping between looks: MPI's own Barrier spins on a core, which would
        slow down the rank that everyone waits for when they share a machine (main_process_first)."""
        request = self.comm.Ibarrier()
        while not request.Test():
            time.sleep(0.005)


ABORT_GRACE_SECONDS = 1.0


def _abort(comm, code):
    """MPI_Abort after this rank's message has left: mpiexec forwards each rank's output, and an
    abort that comes at once can kill every rank before the message is through (seen under load:
    the traceback cut off mid-line)."""
    sys.stdout.flush()
    sys.stderr.flush()
    time.sleep(ABORT_GRACE_SECONDS)
    comm.Abort(code)


def _abort_on_uncaught_exception(comm):
    """A rank that dies with an exception takes the others down (MPI_Abort) instead of leaving
    them waiting forever in their next collective; the traceback is printed first."""
    if comm.Get_size() == 1 or getattr(sys.excepthook, "_minigrad_abort", False):
        return
    previous = sys.excepthook

    def hook(kind, value, traceback):
        previous(kind, value, traceback)
        sys.stderr.write(f"minigrad.distributed: rank {comm.Get_rank()} failed ({kind.__name__}); "
                         "aborting all ranks\n")
        _abort(comm, 1)

    hook._minigrad_abort = True
    sys.excepthook = hook


def _use_local_gpu(local_rank):
    """Several processes on one machine each take their own GPU: local rank k uses GPU k (mod count).
    cupy's current device is per thread; minigrad runs its GPU work on the main thread."""
    if array_module.cupy is None or not array_module.cuda_available():
        return
    count = array_module.cupy.cuda.runtime.getDeviceCount()
    array_module.cupy.cuda.Device(local_rank % count).use()
