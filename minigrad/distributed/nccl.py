"""All-reduce between GPUs with NVIDIA's NCCL, through cupy.cuda.nccl.

NCCL moves GPU memory directly between GPUs (NVLink, PCIe, InfiniBand), without a
copy to the host. Its communicator is created with a unique id that one process
makes and every other one must receive: MPI broadcasts it.

A GPU runs work in streams, in order. The gradient all-reduces run on a stream of
their own, so that they overlap the backward kernels on the main stream: an event
makes the NCCL stream wait until the bucket's gradients are written, and wait()
makes the main stream wait until the sum is in place.
"""
import numpy as np

from .work import Work


def _nccl():
    try:
        from cupy.cuda import nccl
        return nccl if nccl.available else None
    except Exception:  # no cupy, or cupy built without NCCL
        return None


def available():
    return _nccl() is not None


def _dtype_code(nccl, dtype):
    codes = {np.dtype(np.float32): nccl.NCCL_FLOAT32, np.dtype(np.float64): nccl.NCCL_FLOAT64,
             np.dtype(np.float16): nccl.NCCL_FLOAT16, np.dtype(np.int32): nccl.NCCL_INT32,
             np.dtype(np.int64): nccl.NCCL_INT64}
    if np.dtype(dtype) not in codes:
        raise TypeError(f"NCCL all-reduce: unsupported dtype {dtype}")
    return codes[np.dtype(dtype)]


class Communicator:
    def __init__(self, mpi_comm, rank, size):
        import cupy
        self.cupy, self.nccl = cupy, _nccl()
        uid = self.nccl.get_unique_id() if rank == 0 else None
        uid = mpi_comm.bcast(uid, root=0)
        self.comm = self.nccl.NcclCommunicator(size, uid, rank)
        self.stream = cupy.cuda.Stream(non_blocking=True)

    def all_reduce(self, array, blocking=False):
        """Sum `array` (a contiguous cupy array) over all GPUs, in place; returns a Work."""
        if not array.flags.c_contiguous:
            raise ValueError("NCCL all-reduce: the array must be contiguous")
        cupy, code = self.cupy, _dtype_code(self.nccl, array.dtype)
        main = cupy.cuda.get_current_stream()
        if blocking:  # in order on the main stream: later kernels see the sum
            self.comm.allReduce(array.data.ptr, array.data.ptr, array.size, code, self.nccl.NCCL_SUM, main.ptr)
            return Work()
        ready = main.record()  # the bucket's gradients are written ...
        self.stream.wait_event(ready)  # ... before NCCL reads them
        self.comm.allReduce(array.data.ptr, array.data.ptr, array.size, code, self.nccl.NCCL_SUM, self.stream.ptr)
        done = self.stream.record()
        return Work(lambda: main.wait_event(done), lambda: done.done)

    def broadcast(self, array, src=0):
        if not array.flags.c_contiguous:
            raise ValueError("NCCL broadcast: the array must be contiguous")
        main = self.cupy.cuda.get_current_stream()
        self.comm.bcast(array.data.ptr, array.size, _dtype_code(self.nccl, array.dtype), src, main.ptr)
        return array
