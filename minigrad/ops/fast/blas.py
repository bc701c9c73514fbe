"""How many threads numpy's matrix products (BLAS) use, and one BLAS thread for a while.

The fast convolution gives each of its threads a share of the images: each builds
its images' columns (numpy copies run on one core, so the threads copy side by side)
and multiplies them. Those products must then run on ONE BLAS thread each, or two
workers times two BLAS threads fight over two cores. On the project's 2-core machine
(OpenBLAS 0.3.31) a (128, 1152) @ (1152, 25088) product ran at 139-147 GFLOP/s on
OpenBLAS's two threads and at 130-138 split in halves over two single-threaded
workers: the products themselves lose little, and the copies gain a core.

That only pays if BLAS's own threads are asleep: after a product that used them,
OpenBLAS keeps its idle threads spinning for about 0.1 s (2^28 cycles), taking a
core from whatever runs next (a convolution after one 2-thread GEMV: 33 -> 54 ms).
So minigrad's other products that are too small to gain from two threads (the
linear layer and `@` through matmul.py here, batch norm's channel sums) run on one BLAS
thread too: `small_product`.

numpy offers no way to set its BLAS's threads; threadpoolctl (a small library that
scikit-learn uses for the same job) does, for OpenBLAS, MKL and BLIS alike. Without
it, `blas_threads()` is None and the convolution does what it did before: one
whole-batch product on BLAS's own threads.
"""
import threading
from contextlib import contextmanager, nullcontext

try:
    from threadpoolctl import ThreadpoolController
except ImportError:  # an optional extra: pip install threadpoolctl (or minigrad[fast])
    ThreadpoolController = None

_controllers = None
_lock = threading.Lock()
_single = 0  # how many callers are inside one_blas_thread() now
_saved = []  # the thread counts the first of them found, restored by the last


def _blas():
    """The BLAS libraries loaded in this process (found once: the search walks every loaded library)."""
    global _controllers
    if _controllers is None:
        with _lock:
            if _controllers is None:
                found = [] if ThreadpoolController is None else ThreadpoolController().select(user_api="blas")
                _controllers = list(getattr(found, "lib_controllers", []))
    return _controllers


def blas_threads():
    """numpy's BLAS thread count, or None when it cannot be read or set (no threadpoolctl)."""
    libs = _blas()
    return max(lib.num_threads for lib in libs) if libs else None


@contextmanager
def one_blas_thread():
    """Inside: every matrix product runs on the calling thread alone. Nestable and
    thread-safe: the first caller in saves the thread counts, the last one out restores them."""
    global _single, _saved
    libs = _blas()
    with _lock:
        if _single == 0:
            _saved = [lib.num_threads for lib in libs]
            _set(libs, [1] * len(libs))
        _single += 1
    try:
        yield
    finally:
        with _lock:
            _single -= 1
            if _single == 0:
                _set(libs, _saved)


def _set(libs, counts):
    """Set each library's thread count from this thread. threadpoolctl lets only the first
    thread that ever set a process-wide OpenBLAS pool set it again (others are silently
    ignored); this module's lock already keeps its callers from racing, so it takes over."""
    for lib, n in zip(libs, counts):
        release = getattr(type(lib), "clear_controlling_thread", None)
        if release is not None:
            release(force=True)
        lib.set_num_threads(n)
        if release is not None:
            release(force=True)


def pin_worker_thread():
    """In one of minigrad's worker threads: BLAS on one thread, for good. Only needed where
    the limit is per thread (OpenBLAS or MKL built on OpenMP); elsewhere one_blas_thread's
    process-wide setting already holds."""
    for lib in _blas():
        if getattr(lib, "threading_layer", None) in ("openmp", "intel", "gnu"):
            lib.set_num_threads(1)


SMALL_PRODUCT = 1 << 26  # multiply-adds; about 1.5 ms on one core of the machine above


def small_product(multiply_adds):
    """one_blas_thread() for a product of fewer than SMALL_PRODUCT multiply-adds (it
    gains little from BLAS's threads and would wake them), else nothing."""
    return one_blas_thread() if multiply_adds < SMALL_PRODUCT and _blas() else nullcontext()
