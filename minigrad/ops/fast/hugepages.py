"""numpy's large arrays and Linux's 2 MB pages: whether writing a fresh array waits for the kernel.

numpy asks Linux for transparent huge pages (madvise) for every array of 4 MB and more.
Where the kernel answers that request by compacting memory on the spot (its
transparent_hugepage/defrag policy is "madvise", "defer+madvise" or "always"), the first
write to a fresh array waits for the compaction. On this project's 2-core VM a new
(32, 64, 112, 112) float32 array (103 MB: resnet34's stem output at b32) took 270-345 ms
to fill after a forward pass had churned memory, against 56-72 ms in 4 KB pages (15 ms when
free huge pages happened to be ready); a resnet34 eval forward at b32 went 2.0-2.6 s -> 1.8-2.1 s.
PyTorch's CPU allocator does not ask for huge pages.

So, on import, minigrad turns numpy's madvise off where the kernel compacts on demand for it,
unless NUMPY_MADVISE_HUGEPAGE is set (numpy's own switch: then the user has chosen). No
result changes, only how long new memory takes to appear.
"""
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


def avoid_compaction_stalls(folder=SYSFS):
    """Turn numpy's huge-page madvise off where it would stall (the module's docstring says why),
    unless NUMPY_MADVISE_HUGEPAGE is set. Returns whether it did."""
    switch = numpy_switch()
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ or switch is None or not compacts_on_demand(folder):
        return False
    switch(False)
    return True
