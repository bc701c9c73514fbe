"""Hand-written CUDA kernels: plain C source, compiled once per process by cupy (NVRTC).

Each source is a set of `extern "C" __global__` kernels written once for a placeholder
element type `T`; `instantiate` writes it out for float and for double (float64 is what the
gradient checks run in), renaming each kernel `NAME_T` to `NAME_f32` / `NAME_f64` and
`SQRT` to sqrtf / sqrt. Every source is listed in SOURCES with the kernel names it
defines, so tests/test_cuda_kernels.py can compile each one with nvcc on a machine
without a GPU.

Arguments reach a kernel as raw bytes in the order of its C signature: a Python int goes
as 64 bits and a Python float as a double whatever the C side expects, and a mismatch is
silent garbage. So every scalar passes as an explicit numpy type (np.int32 for `int`,
np.int64 for `long long`, the array's dtype for `T`), and `launch` refuses plain Python
numbers. Kernels are compiled with --fmad=false: each multiply and add rounds as numpy's
do, so a kernel gives the CPU's numbers (up to the order of a sum), with one exception: cupy
appends -ftz=true to every compile, so float32 subnormals (below ~1.2e-38) flush to zero on
the GPU, where numpy keeps them (../shared/tools/gpu_oneshot.py probes it).
"""
import re

import numpy as np

BLOCK = 256  # threads per block of every elementwise kernel
MAX_GRID = 65535  # blocks per launch; kernels loop (grid-stride) over what is left
OPTIONS = ("--fmad=false",)
TYPES = {np.dtype(np.float32): ("float", "f32", "sqrtf"), np.dtype(np.float64): ("double", "f64", "sqrt")}

SOURCES = {}  # source name -> (CUDA source written for T, the kernel names it defines, without suffix)
_modules = {}  # (source name, dtype) -> compiled cupy.RawModule


def register(name, source, kernels):
    """Add a source (kernels named NAME_T in it) to the registry; returns the name."""
    SOURCES[name] = (source, tuple(kernels))
    return name


def suffix(dtype):
    return TYPES[np.dtype(dtype)][1]


def supported(dtype):
    """True for the element types the kernels are written out for (float32, float64)."""
    return np.dtype(dtype) in TYPES


def instantiate(source, dtype):
    """The source written out for one dtype: NAME_T -> NAME_f32, T -> float, SQRT -> sqrtf."""
    ctype, tag, sqrt = TYPES[np.dtype(dtype)]
    source = re.sub(r"\b(\w+)_T\b", r"\1_" + tag, source)
    source = re.sub(r"\bSQRT\b", sqrt, source)
    return re.sub(r"\bT\b", ctype, source)


def kernel(source_name, kernel_name, dtype):
    """The compiled kernel `kernel_name` of a registered source, for dtype (compiled on first use)."""
    import cupy
    key = (source_name, np.dtype(dtype))
    if key not in _modules:
        source, _ = SOURCES[source_name]
        _modules[key] = cupy.RawModule(code=instantiate(source, dtype), options=OPTIONS)
    return _modules[key].get_function(f"{kernel_name}_{suffix(dtype)}")


def window_args(win):
    """A window's integers as the kernels take them: kh, kw, oh, ow, sh, sw, top and left
    padding, dh, dw (the bottom and right padding follow from oh and ow: the bounds checks
    skip them)."""
    return (*win.kernel, *win.out, *win.stride, win.padding[0][0], win.padding[1][0], *win.dilation)


def blocks(total):
    """Blocks of BLOCK threads for `total` work items (at least 1, at most MAX_GRID)."""
    return max(1, min(MAX_GRID, -(-int(total) // BLOCK)))


def launch(fn, total, args, grid=None, block=None):
    """Run fn over `total` items (one thread each, BLOCK per block, grid-stride beyond
    MAX_GRID blocks), or on an explicit grid and block. Each argument must be a cupy array
    or a numpy scalar of the C parameter's type."""
    for a in args:
        if isinstance(a, (bool, int, float)) and not isinstance(a, np.generic):  # np.float64 is a float
            raise TypeError(f"{fn}: pass kernel scalars as numpy types (np.int32, np.int64, np.float32...), "
                            f"got the Python {type(a).__name__} {a!r}")
    fn((grid or blocks(total),), (block or BLOCK,), tuple(args))
