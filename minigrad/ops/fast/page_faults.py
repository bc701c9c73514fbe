"""Where numpy's large arrays get their memory: two process-wide settings minigrad makes on import,
so that a fresh activation does not wait on the kernel. No result changes.

1. Huge pages. numpy asks Linux for transparent huge pages (madvise) for every array of 4 MB
   and more. Where the kernel answers that request by compacting memory on the spot (its
   transparent_hugepage/defrag policy is "madvise", "defer+madvise" or "always"), the first write
   to a fresh array waits for the compaction. On this project's 2-core VM a new
   (32, 64, 112, 112) float32 array (103 MB: resnet34's stem output at b32) took 270-345 ms to fill
   after a forward pass had churned memory, against 56-72 ms in 4 KB pages. PyTorch's CPU
   allocator does not ask for huge pages. So minigrad turns numpy's madvise off there, unless
   NUMPY_MADVISE_HUGEPAGE is set (numpy's own switch: then the user has chosen).

2. Freed memory kept for the next step. glibc's malloc hands arrays of 128 KB and more back to
   the kernel when they are freed (or trims its heap above a threshold), so every training step
   asks for its activations again and faults in every 4 KB page: a batch-norm forward and backward
   at b32 64x56x56 faulted 18,800 pages, 40 of its 61 ms. With malloc keeping freed memory
   (M_TRIM_THRESHOLD 1 GB, M_MMAP_THRESHOLD at its 32 MB maximum, so arrays up to 32 MB come from
   the heap) the same step faulted none and took 21-24 ms. The price: the process keeps its
   high-water memory after training instead of returning it. Unless MALLOC_TRIM_THRESHOLD_,
   MALLOC_MMAP_THRESHOLD_ or GLIBC_TUNABLES is set (glibc's own switches), and only with glibc.
"""
import ctypes
import importlib
import os

SYSFS = "/sys/kernel/mm/transparent_hugepage"


def policy(name, folder=SYSFS):
    """The bracketed choice in /sys/kernel/mm/transparent_hugepage/<name> ("always [madvise] never"
    -> "madvise"), or None where the file is missing (not Linux, no THP) or unreadable."""
    try:
        with open(os.path.join(folder, name)) as f:
            text = f.read()
    except OSError:
        return None
    start, end = text.find("["), text.find("]")
    return text[start + 1:end] if 0 <= start < end else None


def compacts_on_demand(folder=SYSFS):
    """Does a madvise for huge pages make the kernel compact memory inside the page fault?"""
    return policy("enabled", folder) == "madvise" and policy("defrag", folder) in ("madvise", "defer+madvise", "always")


def numpy_switch():
    """numpy's runtime setter, _set_madvise_hugepage(bool) -> the previous setting (numpy 2), or None."""
    return getattr(importlib.import_module("numpy._core.multiarray"), "_set_madvise_hugepage", None)


def numpy_madvise():
    """Whether numpy asks for huge pages now (None where numpy has no switch): set and set back."""
    switch = numpy_switch()
    if switch is None:
        return None
    current = switch(False)
    switch(current)
    return current


M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameter numbers (malloc.h)
KEEP_FREED = 1 << 30  # bytes of free heap memory malloc keeps instead of trimming
HEAP_UP_TO = 32 << 20  # arrays up to this size from the heap (glibc's largest allowed threshold)
GLIBC_SWITCHES = ("MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_THRESHOLD_", "GLIBC_TUNABLES")


def glibc():
    """The C library this process runs on, when it is glibc (it has mallopt and gnu_get_libc_version),
    else None. Read from the process's own symbols: ctypes.util.find_library would run ldconfig,
    15 ms of every import."""
    try:
        libc = ctypes.CDLL(None)
    except (OSError, TypeError):  # TypeError: Windows has no process-wide handle
        return None
    return libc if hasattr(libc, "gnu_get_libc_version") and hasattr(libc, "mallopt") else None


def keep_freed_memory():
    """Tell glibc's malloc to keep freed memory for reuse (the module's docstring says why), unless
    one of glibc's own switches is set. Returns whether it did."""
    if any(name in os.environ for name in GLIBC_SWITCHES):
        return False
    libc = glibc()
    if libc is None:
        return False
    return bool(libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREED)) and bool(libc.mallopt(M_MMAP_THRESHOLD, HEAP_UP_TO))


def avoid_compaction_stalls(folder=SYSFS):
    """Turn numpy's huge-page madvise off where it would stall (the module's docstring says why),
    unless NUMPY_MADVISE_HUGEPAGE is set. Returns whether it did."""
    switch = numpy_switch()
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ or switch is None or not compacts_on_demand(folder):
        return False
    switch(False)
    return True
