"""SGD on the GPU: every parameter of a group updated by ONE kernel launch per dtype.

The per-parameter code (sgd.py) launches about five small kernels per parameter, and a
resnet34 has 218 parameters. Here one launch reads tables of device pointers: per
parameter its data, its momentum buffer and its size (cached: they change only when a
parameter's array or buffer is replaced), per block a chunk of one parameter, and per
step each gradient's pointer and whether the buffer starts this step (a small int64 table
copied host-to-device; nothing is ever read back). For each element, sgd.py's rule:

    d = grad (maximize: -grad);  d = d + weight_decay * p            (when weight_decay)
    momentum:  buf = d (first step)  or  buf = momentum * buf + (1 - dampening) * d
               d = d + momentum * buf (nesterov)  or  d = buf
    p = p - lr * d
in the parameter's dtype, each operation rounded as numpy rounds it (cuda_kernels.OPTIONS).
Parameters the kernel does not take (another dtype, not contiguous, a gradient of another
dtype or shape) go back to the per-parameter code.
"""
import numpy as np

from ..array_module import device_of
from ..nn.utils import grad_array
from ..ops.fast import cuda_kernels

CHUNK = 4096  # elements per block (BLOCK threads, 16 each)

SOURCE = cuda_kernels.register("sgd", r"""
// tensors: per parameter (data pointer, momentum buffer pointer or 0, size)
// chunks:  per block (parameter index, first element)
// step:    per parameter (gradient pointer, 1 if the buffer starts now)
extern "C" __global__ void sgd_step_T(const long long* tensors, const long long* chunks, const long long* step,
                                      long long chunk, T lr, T momentum, T one_minus_dampening, int damped,
                                      T weight_decay, int decay, int nesterov, int maximize)
{
    long long t = chunks[2 * blockIdx.x], start = chunks[2 * blockIdx.x + 1];
    T* p = (T*)tensors[3 * t];
    T* buf = (T*)tensors[3 * t + 1];
    long long n = tensors[3 * t + 2];
    const T* g = (const T*)step[2 * t];
    int fresh = (int)step[2 * t + 1];
    long long stop = start + chunk < n ? start + chunk : n;
    for (long long k = start + threadIdx.x; k < stop; k += blockDim.x) {
        T d = maximize ? -g[k] : g[k];
        if (decay) d = d + weight_decay * p[k];
        if (buf != 0) {
            T b;
            if (fresh) {
                b = d;  // PyTorch's first step: the buffer starts at d
            } else {
                b = buf[k] * momentum;
                b = b + (damped ? one_minus_dampening * d : d);
            }
            buf[k] = b;
            d = nesterov ? d + momentum * b : b;
        }
        p[k] = p[k] - lr * d;
    }
}
""", ["sgd_step"])

def _takes(p, g, state, momentum):
    """Whether the kernel can update p: contiguous cupy arrays of one float dtype and shape."""
    a = p.array
    if device_of(a) != "cuda" or device_of(g) != "cuda" or not cuda_kernels.supported(a.dtype):
        return False
    if g.dtype != a.dtype or g.shape != a.shape or not (a.flags.c_contiguous and g.flags.c_contiguous) or a.size == 0:
        return False
    buf = state.get("momentum_buffer") if momentum else None
    return buf is None or (device_of(buf) == "cuda" and buf.dtype == a.dtype and buf.shape == a.shape
                           and buf.flags.c_contiguous)


def on_gpu(params):
    """Whether any of the params lives on the GPU (then fused_step has work to do)."""
    return any(device_of(p.array) == "cuda" for p in params)


def fused_step(group, params, states, tables):
    """Update the params of `group` the kernel can take (one launch per dtype); return the
    others (with a gradient or not) for the per-parameter code. `tables` is the optimizer's
    cache of device tables: (id(group), dtype) -> (key, tensors, chunks, number of chunks)."""
    if not on_gpu(params):  # the CPU: the per-parameter code, untouched
        return params
    momentum = group["momentum"]
    rest, by_dtype = [], {}
    for p in params:
        g = grad_array(p) if p.grad is not None else None
        if g is not None and _takes(p, g, states[p], momentum):
            by_dtype.setdefault(p.array.dtype, []).append((p, g))
        else:
            rest.append(p)
    for dtype, items in by_dtype.items():
        _launch(group, dtype, items, states, tables)
    return rest


def _ptr(a):
    """The device address of a cupy array's first element."""
    return a.data.ptr


def _launch(group, dtype, items, states, tables):
    import cupy
    momentum = group["momentum"]
    fresh = []
    for p, _ in items:
        state = states[p]
        new = bool(momentum) and state.get("momentum_buffer") is None
        if new:  # filled by the kernel (buf = d) in this very launch
            state["momentum_buffer"] = cupy.empty_like(p.array)
        fresh.append(new)
    buffers = [states[p]["momentum_buffer"] if momentum else None for p, _ in items]
    key = tuple((_ptr(p.array), _ptr(b) if b is not None else 0, p.array.size) for (p, _), b in zip(items, buffers))
    cached = tables.get((id(group), dtype))
    if cached is None or cached[0] != key:
        chunks = [(t, start) for t, (_, _, n) in enumerate(key) for start in range(0, n, CHUNK)]
        cached = (key, cupy.asarray(np.array(key, dtype=np.int64).ravel()),
                  cupy.asarray(np.array(chunks, dtype=np.int64).ravel()), len(chunks))
        tables[(id(group), dtype)] = cached
    _, tensors, chunks, count = cached
    step = cupy.asarray(np.array([(_ptr(g), new) for (_, g), new in zip(items, fresh)], dtype=np.int64).ravel())
    t = np.dtype(dtype).type
    dampening, wd = group["dampening"], group["weight_decay"]
    cuda_kernels.launch(cuda_kernels.kernel(SOURCE, "sgd_step", dtype), count,
                        (tensors, chunks, step, np.int64(CHUNK), t(group["lr"]), t(momentum), t(1 - dampening),
                         np.int32(dampening != 0), t(wd), np.int32(bool(wd)), np.int32(bool(group["nesterov"])),
                         np.int32(bool(group.get("maximize")))),
                        grid=count, block=cuda_kernels.BLOCK)
