"""Max pooling as one CUDA kernel each way, for NCHW cupy arrays (the GPU twin of the
window loop in fast/pooling.py, which launches several small kernels per window offset).

    forward   one thread per output (n, c, oy, ox): the maximum of x over its window,
              cells in the padding skipped; PyTorch's rule (ops/pooling.py max_pool_winners):
              the first maximum wins a tie, a NaN beats everything and the last NaN wins, a
              window of -inf goes to its first cell inside the input. When a backward will
              come it writes the winner's index y * W + x
              within its (H, W) plane as an int32.
    backward  one thread per input cell: the sum of the gradients of every output whose
              winner is this cell (the windows that contain it are found by inverting
              oy * SH - top + ky * DH = y). A gather, like col2im in conv_cuda.py: no two
              threads write one place, no atomics, the same sum on every run.

The window comes from ops/geometry.py: ceil_mode's extra bottom/right padding needs no
argument here, the bounds checks skip it.
"""
import numpy as np

from . import cuda_kernels
from .cuda_kernels import launch

SOURCE = cuda_kernels.register("max_pool", r"""
// Geometry (ints): input plane h x w, then cuda_kernels.window_args' order: kernel kh x kw,
// output plane oh x ow, stride sh x sw, top / left padding ph, pw, dilation dh x dw.

extern "C" __global__ void maxpool_forward_T(const T* x, T* out, int* winner, long long total,
                                             int h, int w, int kh, int kw, int oh, int ow, int sh, int sw,
                                             int ph, int pw, int dh, int dw, T empty, int keep)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        int ox = (int)(i % ow);
        long long t = i / ow;
        int oy = (int)(t % oh);
        long long plane = t / oh;  // n * C + c
        const T* src = x + plane * h * w;
        T best = empty;  // -inf: the output of a window with no cell inside the input
        int arg = -1;
        for (int ky = 0; ky < kh; ++ky) {
            int y = oy * sh - ph + ky * dh;
            if (y < 0 || y >= h) continue;
            for (int kx = 0; kx < kw; ++kx) {
                int xx = ox * sw - pw + kx * dw;
                if (xx < 0 || xx >= w) continue;
                T v = src[y * w + xx];
                if (arg < 0 || v > best || v != v) {  // strict: a later equal value does not win
                    best = v;
                    arg = y * w + xx;
                }
            }
        }
        out[i] = best;
        if (keep) winner[i] = arg;
    }
}

extern "C" __global__ void maxpool_backward_T(const T* grad, const int* winner, T* dx, long long total,
                                              int h, int w, int kh, int kw, int oh, int ow, int sh, int sw,
                                              int ph, int pw, int dh, int dw)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        int xx = (int)(i % w);
        long long t = i / w;
        int y = (int)(t % h);
        long long plane = t / h;
        int here = y * w + xx;
        const long long base = plane * oh * ow;
        T sum = 0;
        for (int ky = 0; ky < kh; ++ky) {
            int yy = y + ph - ky * dh;  // = oy * sh for the output whose window has this cell at row ky
            if (yy < 0 || yy % sh != 0 || yy / sh >= oh) continue;
            for (int kx = 0; kx < kw; ++kx) {
                int xq = xx + pw - kx * dw;
                if (xq < 0 || xq % sw != 0 || xq / sw >= ow) continue;
                long long o = base + (long long)(yy / sh) * ow + xq / sw;
                if (winner[o] == here) sum += grad[o];
            }
        }
        dx[i] = sum;
    }
}
""", ["maxpool_forward", "maxpool_backward"])


def supported(x):
    """float32 and float64 4-D arrays (other dtypes take the portable path)."""
    return cuda_kernels.supported(x.dtype) and x.ndim == 4


def _geometry(x_shape, win):
    """h, w and the window's integers (cuda_kernels.window_args) as the kernels' int arguments."""
    return tuple(np.int32(v) for v in (*x_shape[2:], *cuda_kernels.window_args(win)))


def forward(x, win, keep):
    """(out, winner): the window maxima of the cupy array x and, when keep, each one's
    int32 index in its input plane (None otherwise)."""
    import cupy
    x = cupy.ascontiguousarray(x)
    out = cupy.empty(x.shape[:2] + tuple(win.out), dtype=x.dtype)
    winner = cupy.empty(out.shape if keep else (1,), dtype=np.int32)  # (1,): never written without keep
    launch(cuda_kernels.kernel(SOURCE, "maxpool_forward", x.dtype), out.size,
           (x, out, winner, np.int64(out.size), *_geometry(x.shape, win),
            x.dtype.type(-np.inf), np.int32(keep)))
    return out, (winner if keep else None)


def backward(grad, winner, x_shape, win):
    """The input gradient: each output's gradient summed into its window's winner."""
    import cupy
    grad = cupy.ascontiguousarray(grad)
    dx = cupy.empty(tuple(x_shape), dtype=grad.dtype)
    launch(cuda_kernels.kernel(SOURCE, "maxpool_backward", grad.dtype), dx.size,
           (grad, winner, dx, np.int64(dx.size), *_geometry(x_shape, win)))
    return dx
