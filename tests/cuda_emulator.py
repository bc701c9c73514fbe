"""Run minigrad's CUDA kernel sources on the CPU, to check their logic without a GPU.

The kernel source, written out for one dtype exactly as cupy would compile it, is compiled
as C++ by g++ with a small prelude: `__global__` and `__device__` vanish, `__shared__`
becomes `static` (one copy, and blocks run one after another), threadIdx / blockIdx are
thread-local, and each block runs its threads as real threads that meet at a
std::barrier in __syncthreads. A launch `kernel((grid,), (block,), args)` takes the same
arguments a cupy RawKernel takes, and checks each against the C signature first: a
pointer parameter needs a C-contiguous numpy array of the pointed-to type, an `int`
an np.int32, a `long long` an np.int64, a `float` an np.float32, a `double` an np.float64
(what the real launch would read as garbage instead). Memory is host memory, so
pointers inside tables are host addresses (`array.ctypes.data`). `__launch_bounds__` vanishes,
and a kernel that calls `__trap()` (a GPU would abort it) makes its launch raise RuntimeError.
`elementwise` runs the body of a cupy.ElementwiseKernel (conv_cuda.py's im2col and col2im) the
same way, one thread per output index.

This checks the kernels' arithmetic, indexing, reductions and argument lists; it cannot
check what only a GPU shows (NVRTC's dialect, timing, memory coalescing).
"""
import ctypes
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

PRELUDE = r"""
#include <atomic>
#include <barrier>
#include <functional>
#include <math.h>
#include <thread>
#include <vector>
struct emu_dim3 { unsigned x, y, z; };
static thread_local emu_dim3 threadIdx, blockIdx;
static emu_dim3 blockDim, gridDim;
static std::barrier<>* emu_barrier;
#define __global__
#define __device__
#define __shared__ static
#define __launch_bounds__(...)
static void __syncthreads() { emu_barrier->arrive_and_wait(); }
static std::atomic<int> emu_traps{0};
static void __trap() { ++emu_traps; }  // the launch raises RuntimeError afterwards (a GPU aborts the kernel)
extern "C" int emu_take_traps() { return emu_traps.exchange(0); }

static void emu_run(unsigned grid, unsigned block, const std::function<void()>& body)
{
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    for (unsigned b = 0; b < grid; ++b) {
        std::barrier<> bar(block);
        emu_barrier = &bar;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < block; ++t)
            threads.emplace_back([&body, b, t]() { blockIdx = {b, 0, 0}; threadIdx = {t, 0, 0}; body(); });
        for (auto& th : threads) th.join();
    }
}
"""

SCALARS = {"int": (np.int32, ctypes.c_int), "long long": (np.int64, ctypes.c_longlong),
           "float": (np.float32, ctypes.c_float), "double": (np.float64, ctypes.c_double)}
SIGNATURE = re.compile(r'extern "C" __global__ void\s+(?:__launch_bounds__\(\w+\)\s*)?(\w+)\(([^)]*)\)')


def available():
    return shutil.which("g++") is not None


def signatures(source):
    """{kernel name: [(C type without const, is_pointer, parameter name, declaration), ...]}."""
    found = {}
    for name, params in SIGNATURE.findall(source):
        parsed = []
        for param in params.split(","):
            words = param.replace("*", " * ").split()
            pointer = "*" in words
            ctype = " ".join(w for w in words[:-1] if w not in ("const", "*"))
            parsed.append((ctype, pointer, words[-1], param.strip()))
        found[name] = parsed
    return found


class Kernel:
    def __init__(self, library, name, params):
        self.name, self.params = name, params
        self.fn, self.traps = getattr(library, "emu_" + name), library.emu_take_traps
        self.fn.argtypes = [ctypes.c_uint, ctypes.c_uint] + [
            ctypes.c_void_p if pointer else SCALARS[ctype][1] for ctype, pointer, _, _ in params]
        self.fn.restype = None

    def __call__(self, grid, block, args):
        if len(args) != len(self.params):
            raise TypeError(f"{self.name}: {len(args)} arguments for {len(self.params)} parameters")
        values = []
        for a, (ctype, pointer, pname, _) in zip(args, self.params):
            if pointer:
                want = np.dtype(SCALARS[ctype][0])
                if not isinstance(a, np.ndarray) or a.dtype != want or not a.flags.c_contiguous:
                    raise TypeError(f"{self.name}: parameter {ctype}* {pname} needs a contiguous {want} array, got "
                                    f"{type(a).__name__} {getattr(a, 'dtype', '')}")
                values.append(a.ctypes.data)
            else:
                if type(a) is not SCALARS[ctype][0]:
                    raise TypeError(f"{self.name}: parameter {ctype} {pname} needs {SCALARS[ctype][0].__name__}, "
                                    f"got {type(a).__name__} {a!r}")
                values.append(a.item())
        (g,), (b,) = grid, block
        self.fn(int(g), int(b), *values)
        if self.traps():
            raise RuntimeError(f"{self.name}: the kernel called __trap() (on a GPU: an unspecified launch failure)")


_libraries = {}
_folder = tempfile.mkdtemp(prefix="minigrad-cuda-emulator-")


def compile_source(source):
    """{kernel name: Kernel} for an instantiated (dtype-specific) CUDA source."""
    if source not in _libraries:
        sigs = signatures(source)
        wrappers = "".join(
            f'extern "C" void emu_{name}(unsigned grid, unsigned block'
            + "".join(f", {text}" for _, _, _, text in params)
            + f") {{ emu_run(grid, block, [=]() {{ {name}({', '.join(n for _, _, n, _ in params)}); }}); }}\n"
            for name, params in sigs.items())
        stem = os.path.join(_folder, f"k{len(_libraries)}")
        with open(stem + ".cpp", "w") as f:
            f.write(PRELUDE + source + "\n" + wrappers)
        subprocess.run(["g++", "-std=c++20", "-O1", "-shared", "-fPIC", "-pthread", "-w", "-o", stem + ".so",
                        stem + ".cpp"], check=True, capture_output=True, text=True)
        library = ctypes.CDLL(stem + ".so")
        _libraries[source] = {name: Kernel(library, name, params) for name, params in sigs.items()}
    return _libraries[source]


ELEMENTWISE_TYPES = {"int32": ("int", np.int32), "int64": ("long long", np.int64),
                     "float32": ("float", np.float32), "float64": ("double", np.float64)}


def elementwise(in_params, out_param, body, dtype):
    """A cupy.ElementwiseKernel (its input parameters, one output parameter, its body) as a
    function called like one, `fn(*inputs, out)`: the body runs once per output index i (one
    thread each, a grid-stride loop over 256-thread blocks), `raw T a` parameters are pointers,
    the output a reference to out[i], T the given dtype. Only what minigrad's elementwise
    kernels use: raw arrays and scalars in, one array out."""
    ctype = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}[np.dtype(dtype)]
    decls, kinds = [], []
    for param in in_params.split(","):
        words = param.split()
        if words[0] == "raw":
            decls.append(f"const {ctype}* {words[2]}")
            kinds.append(None)
        else:
            decls.append(f"{ELEMENTWISE_TYPES[words[0]][0]} {words[1]}")
            kinds.append(ELEMENTWISE_TYPES[words[0]][1])
    out_name = out_param.split()[1]  # "T name": the output has the kernel's type T
    source = (f"typedef {ctype} T;\n#include <cstddef>\n"
              f'extern "C" __global__ void elementwise({", ".join(decls)}, {ctype}* out_, long long total)\n{{\n'
              f"    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;\n"
              f"         i += (long long)gridDim.x * blockDim.x) {{\n"
              f"        T& {out_name} = out_[i];\n{body}\n    }}\n}}\n")
    kernel = compile_source(source)["elementwise"]

    def call(*args):
        *inputs, out = args
        values = [a if kind is None else kind(a) for a, kind in zip(inputs, kinds)]
        kernel((max(1, min(64, -(-out.size // 256))),), (256,), (*values, out, np.int64(out.size)))
        return out
    return call
