"""The fast ops' two tools: reusable scratch memory and threads for memory-bound copies.

Neither changes a result; both only make the fast ops in this folder quicker on the
CPU (the README's performance note gives the measurements behind each choice).
"""
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .blas import blas_threads, one_blas_thread, pin_worker_thread

# ---- reusable scratch memory, one set per thread -----------------------------------------

_local = threading.local()


def workspace(xp, name, shape, dtype):
    """A scratch array of `shape`, reusing one grow-only buffer per name AND per thread.

    im2col's columns are large (9x the input for a 3x3 kernel) and short-lived; a
    fresh numpy allocation of that size costs as much as filling it (the OS maps new
    zeroed pages every time). The caller must be done with the array before its own
    thread asks for the same name again. Buffers are per thread, so two threads
    running convolutions at once never share one. cupy's memory pool already reuses
    GPU memory, so on the GPU this is a plain `empty`.
    """
    if xp is not np:
        return xp.empty(shape, dtype=dtype)
    buffers = getattr(_local, "buffers", None)
    if buffers is None:
        buffers = _local.buffers = {}
    size = math.prod(shape) * np.dtype(dtype).itemsize  # (np.prod: 14 us a call)
    buffer = buffers.get(name)
    if buffer is None or buffer.nbytes < size:
        buffer = buffers[name] = np.empty(size, dtype=np.uint8)
    return buffer[:size].view(dtype).reshape(shape)


# ---- threads for memory-bound copies ------------------------------------------------------

_threads = int(os.environ.get("MINIGRAD_NUM_THREADS", min(os.cpu_count() or 1, 8)))
_pool = None
_pool_lock = threading.Lock()


def set_num_threads(n):
    """How many threads im2col, col2im and pooling split the batch over (BLAS has its own)."""
    global _threads, _pool
    _threads, _pool = max(1, int(n)), None


def get_num_threads():
    return _threads


PARALLEL_MIN_SIZE = 1 << 20  # below about a million numbers, handing work to threads costs more than it saves


def over_batch(xp, n, work, size, threads=None):
    """Run work(start, stop) over slices of the batch range(n), in parallel on the CPU;
    return the list of what each call returned.

    numpy runs a copy or an add on one core, but releases the GIL while it does, so
    threads working on different images really run side by side. Each image is one
    thread's alone, so writes never overlap. `size` is how many numbers the work
    touches: small jobs run directly, and so does work asked for from inside a worker
    (no thread waits on its own pool). On the GPU the work is already parallel: one call."""
    threads = min(threads or _threads, _threads, n)
    if xp is not np or threads < 2 or size < PARALLEL_MIN_SIZE or getattr(_local, "worker", False):
        return [work(0, n)]
    bounds = [n * k // threads for k in range(threads + 1)]
    with one_blas_thread():  # a matrix product inside the work runs on its own thread only
        futures = [_get_pool().submit(_as_worker, work, a, b) for a, b in zip(bounds, bounds[1:])]
        return [future.result() for future in futures]


def _get_pool():
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_threads)
        return _pool


def _as_worker(work, start, stop):
    if not getattr(_local, "worker", False):
        _local.worker = True
        pin_worker_thread()
    return work(start, stop)


def gemm_threads():
    """How many threads to share a batch of matrix products between (each then runs its
    products on one BLAS thread: blas.py says why); 1 when BLAS's threads cannot be set."""
    blas = blas_threads()
    return 1 if blas is None or getattr(_local, "worker", False) else min(_threads, blas)


def chunks(start, stop, size):
    """(a, b) pairs cutting range(start, stop) into as few runs of at most `size` as
    possible, their lengths as even as possible (4 by 3: 2 + 2, not 3 + 1)."""
    count = -(-(stop - start) // size)
    bounds = [start + (stop - start) * k // count for k in range(count + 1)] if count else [start]
    return list(zip(bounds, bounds[1:]))
