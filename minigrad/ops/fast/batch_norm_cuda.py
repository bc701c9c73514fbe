"""Batch norm's passes as CUDA kernels, for an (N, C, ...) cupy array seen as (N, C, HW).

The portable code launches about 16 kernels forward and 10 backward per layer (sums over
axes, subtract, multiply, add, casts). Here, per channel c (m = N * HW values each):

    bn_stats     one block per channel:  mean = sum(x) / m,  var = sum((x - mean)^2) / m
                 (two passes over the channel, summed in double: no cancellation)
    bn_forward   one thread per value:   out = (x - mean) * inv_std * weight + bias
    bn_sums      one block per channel:  sum(g),  sum(g * xhat)
    bn_dx        one thread per value:   training  dx = s * (g - sum(g) / m - xhat * sum(g * xhat) / m)
                                         eval      dx = s * g
with inv_std = 1 / sqrt(var + eps) and s = weight * inv_std. Every kernel recomputes
inv_std from var and xhat = (x - mean) * inv_std from x, so nothing but x, mean and var is
kept for backward. fast/normalization.py calls these on cupy arrays (same results as its
portable path); ops/normalization.py states the same math plainly.
"""
import math

import numpy as np

from . import cuda_kernels
from .cuda_kernels import launch

# Threads of a per-channel block: a power of two (the tree sum halves it), as many as a block may
# have, since a layer has few channels (64 in resnet's first) and each block streams a whole channel.
REDUCE_BLOCK = 1024

SOURCE = cuda_kernels.register("batch_norm", f"#define RBLOCK {REDUCE_BLOCK}\n" + r"""
// The sum of v over the block's threads, returned to every thread (a shared-memory tree).
__device__ double block_sum(double* part, double v)
{
    part[threadIdx.x] = v;
    __syncthreads();
    for (int half = RBLOCK / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) part[threadIdx.x] += part[threadIdx.x + half];
        __syncthreads();
    }
    double total = part[0];
    __syncthreads();  // every thread has read part[0] before part is written again
    return total;
}

// The flat index of the k-th value of channel ch (k < n * hw) in an (N, C, HW) array.
__device__ long long at(long long k, long long ch, long long c, long long hw)
{
    long long b = k / hw;
    return (b * c + ch) * hw + (k - b * hw);
}

// Block ch: the mean and biased variance of channel ch.
extern "C" __global__ void bn_stats_T(const T* x, long long n, long long c, long long hw,
                                      T* mean_out, T* var_out)
{
    __shared__ double part[RBLOCK];
    long long ch = blockIdx.x, m = n * hw;
    double s = 0;
    for (long long k = threadIdx.x; k < m; k += RBLOCK) s += (double)x[at(k, ch, c, hw)];
    double mean = block_sum(part, s) / (double)m;
    double q = 0;
    for (long long k = threadIdx.x; k < m; k += RBLOCK) {
        double d = (double)x[at(k, ch, c, hw)] - mean;
        q += d * d;
    }
    double var = block_sum(part, q) / (double)m;
    if (threadIdx.x == 0) {
        mean_out[ch] = (T)mean;
        var_out[ch] = (T)var;
    }
}

// out = (x - mean) * inv_std (* weight + bias when affine), one thread per value.
extern "C" __global__ void bn_forward_T(const T* x, T* out, long long total, long long c, long long hw,
                                        const T* mean, const T* var, T eps,
                                        const T* weight, const T* bias, int affine)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        long long ch = (i / hw) % c;
        T inv_std = (T)1 / SQRT(var[ch] + eps);
        T y = (x[i] - mean[ch]) * inv_std;
        if (affine) y = y * weight[ch] + bias[ch];
        out[i] = y;
    }
}

// Block ch: sum_g = sum(g), sum_gxhat = sum(g * xhat) over channel ch.
extern "C" __global__ void bn_sums_T(const T* g, const T* x, long long n, long long c, long long hw,
                                     const T* mean, const T* var, T eps, T* sum_g, T* sum_gxhat)
{
    __shared__ double part[RBLOCK];
    long long ch = blockIdx.x, m = n * hw;
    double mu = (double)mean[ch], sg = 0, sgc = 0;
    for (long long k = threadIdx.x; k < m; k += RBLOCK) {
        long long i = at(k, ch, c, hw);
        double gi = (double)g[i];
        sg += gi;
        sgc += gi * ((double)x[i] - mu);
    }
    double total_g = block_sum(part, sg);
    double total_gc = block_sum(part, sgc);
    if (threadIdx.x == 0) {
        T inv_std = (T)1 / SQRT(var[ch] + eps);
        sum_g[ch] = (T)total_g;
        sum_gxhat[ch] = (T)(total_gc * (double)inv_std);
    }
}

// The input gradient, one thread per value (training: the batch statistics depend on x too).
extern "C" __global__ void bn_dx_T(const T* g, const T* x, T* dx, long long total, long long c, long long hw,
                                   const T* mean, const T* var, T eps, const T* weight, int affine,
                                   const T* sum_g, const T* sum_gxhat, T m, int training)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < total;
         i += (long long)gridDim.x * blockDim.x) {
        long long ch = (i / hw) % c;
        T inv_std = (T)1 / SQRT(var[ch] + eps);
        T s = affine ? inv_std * weight[ch] : inv_std;
        if (training) {
            T xhat = (x[i] - mean[ch]) * inv_std;
            dx[i] = s * (g[i] - sum_g[ch] / m - xhat * (sum_gxhat[ch] / m));
        } else {
            dx[i] = s * g[i];
        }
    }
}
""", ["bn_stats", "bn_forward", "bn_sums", "bn_dx"])


def supported(x):
    """The kernels take float32 and float64 (other dtypes take the portable path)."""
    return cuda_kernels.supported(x.dtype)


def _shape(x):
    """(n, c, hw) as the kernels' long long arguments."""
    return np.int64(x.shape[0]), np.int64(x.shape[1]), np.int64(math.prod(x.shape[2:]))  # hw = 1 for (N, C)


def stats(x):
    """Per-channel (mean, biased var) of the contiguous cupy array x, in x's dtype."""
    import cupy
    c = x.shape[1]
    mean, var = cupy.empty(c, dtype=x.dtype), cupy.empty(c, dtype=x.dtype)
    fn = cuda_kernels.kernel(SOURCE, "bn_stats", x.dtype)
    launch(fn, c, (x, *_shape(x), mean, var), grid=c, block=REDUCE_BLOCK)
    return mean, var


def normalize(x, mean, var, eps, weight, bias):
    """(x - mean) / sqrt(var + eps) * weight + bias per channel; weight and bias both or neither."""
    import cupy
    out = cupy.empty_like(x)
    n, c, hw = _shape(x)
    affine = weight is not None
    w, b = (weight, bias) if affine else (mean, mean)  # never read without affine
    launch(cuda_kernels.kernel(SOURCE, "bn_forward", x.dtype), x.size,
           (x, out, np.int64(x.size), c, hw, mean, var, x.dtype.type(eps), w, b, np.int32(affine)))
    return out


def sums(grad, x, mean, var, eps):
    """Per-channel (sum(grad), sum(grad * xhat)): dbias and dweight."""
    import cupy
    c = x.shape[1]
    sum_g, sum_gxhat = cupy.empty(c, dtype=x.dtype), cupy.empty(c, dtype=x.dtype)
    fn = cuda_kernels.kernel(SOURCE, "bn_sums", x.dtype)
    launch(fn, c, (grad, x, *_shape(x), mean, var, grad.dtype.type(eps), sum_g, sum_gxhat),
           grid=c, block=REDUCE_BLOCK)
    return sum_g, sum_gxhat


def input_grad(grad, x, mean, var, eps, weight, channel_sums, training):
    """dx; x and channel_sums (from sums) are read only in training (pass None in eval)."""
    import cupy
    dx = cupy.empty_like(grad)
    n, c, hw = _shape(grad)
    affine = weight is not None
    sum_g, sum_gxhat = channel_sums if training else (mean, mean)  # never read in eval
    launch(cuda_kernels.kernel(SOURCE, "bn_dx", grad.dtype), grad.size,
           (grad, x if training else grad, dx, np.int64(grad.size), c, hw, mean, var, grad.dtype.type(eps),
            weight if affine else mean, np.int32(affine), sum_g, sum_gxhat,
            grad.dtype.type(grad.size // grad.shape[1]), np.int32(training)))
    return dx
