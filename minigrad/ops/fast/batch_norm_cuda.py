"""Batch norm's passes as CUDA kernels, for an (N, C, ...) cupy array seen as (N, C, HW).

The portable code launches about 16 kernels forward and 10 backward per layer (sums over
axes, subtract, multiply, add, casts). Here, per channel c (m = N * HW values each):

    bn_moments x2    several blocks a channel, partial sums in double: sum(x), then sum((x - mean)^2)
    bn_stats         one thread a channel: the parts summed in a fixed order; mean, var (float64)
    bn_coefficients  one thread a channel: s = weight * inv_std (and backward's per-channel terms)
    bn_forward       one thread per value:  out = (x - mean) * s + bias
    bn_grad_parts    several blocks a channel: sum(g), sum(g * (x - mean))
    bn_grad_sums     one thread a channel:  sum(g), sum(g * xhat)
    bn_dx            one thread per value:  training  dx = s * (g - sum(g) / m - xhat * sum(g * xhat) / m)
                                            eval      dx = s * g
with inv_std = 1 / sqrt(var + eps) and xhat = (x - mean) * inv_std. The mean and variance stay
in double, also for float32 x, and each value is rounded to x's dtype once. Splitting a channel
over several blocks fills the GPU (one block a channel kept 64 of an H100's 132 SMs busy at 64
channels); how many depends on the shape only, so the sums are bitwise the same on every run.
Nothing but x, mean and var is kept for backward. fast/normalization.py calls these on cupy
arrays (the results of its portable path up to rounding); ops/normalization.py states the same
math plainly.
"""
import math

import numpy as np

from . import cuda_kernels
from .cuda_kernels import launch

# Threads of a per-channel reduction block: a power of two (block_sum's tree halves it). A channel's
# values are shared by several blocks (_parts), so the GPU fills even at 64 channels.
REDUCE_BLOCK = 256
TARGET_BLOCKS = 1024  # reduction blocks to aim for: ~8 per SM of an H100 (132 SMs)
MIN_SHARE = 16 * REDUCE_BLOCK  # values a reduction block sums at least (below that, fewer parts)

SOURCE = cuda_kernels.register("batch_norm", f"#define RBLOCK {REDUCE_BLOCK}\n" + r"""
static_assert(RBLOCK >= 32 && (RBLOCK & (RBLOCK - 1)) == 0, "block_sum halves the block: RBLOCK is a power of two");

// The sum of v over the block's threads, returned to every thread (a shared-memory tree). Every
// kernel calling it is launched with exactly RBLOCK threads: __launch_bounds__ refuses more, this
// check fewer (the tree would read cells no thread wrote).
__device__ double block_sum(double* scratch, double v)
{
    if (blockDim.x != RBLOCK) { __trap(); return 0; }
    scratch[threadIdx.x] = v;
    __syncthreads();
    for (int half = RBLOCK / 2; half > 0; half >>= 1) {
        if (threadIdx.x < half) scratch[threadIdx.x] += scratch[threadIdx.x + half];
        __syncthreads();
    }
    double total = scratch[0];
    __syncthreads();  // every thread has read scratch[0] before it is written again
    return total;
}

// q = (k / d) % wrap and r = k % d for k, k + step, k + 2 step, ...: one division when made, then
// additions and compares only (a 64-bit division costs tens of instructions on a GPU). With d = hw
// and wrap = c, q is the channel of flat index k in an (N, C, HW) array; with wrap = n, the image.
struct Walk {
    long long q, r, dq, dr, d, wrap;
    __device__ Walk(long long k, long long step, long long d, long long wrap)
        : q((k / d) % wrap), r(k % d), dq((step / d) % wrap), dr(step % d), d(d), wrap(wrap) {}
    __device__ void next()
    {
        q += dq;
        r += dr;
        if (r >= d) { r -= d; ++q; }
        if (q >= wrap) q -= wrap;  // q < wrap, dq < wrap: at most one wrap a step
    }
};

// The sum, in order, of channel ch's `parts` partial sums: the same on every run and in every block.
__device__ double channel_total(const double* part, long long ch, long long parts)
{
    double s = 0;
    for (long long p = 0; p < parts; ++p) s += part[ch * parts + p];
    return s;
}

// Block (ch, p) sums its share of channel ch's m = n * hw values into part[ch * parts + p], in double.
// pass 0: sum(x).  pass 1: sum((x - mean)^2), mean = channel_total(first) / m.
extern "C" __global__ void __launch_bounds__(RBLOCK)
bn_moments_T(const T* x, long long n, long long c, long long hw, long long parts, int pass,
             const double* first, double* part)
{
    __shared__ double scratch[RBLOCK];
    long long m = n * hw, share = (m + parts - 1) / parts;
    for (long long blk = blockIdx.x; blk < c * parts; blk += gridDim.x) {  // (channel, part) pairs
        long long ch = blk / parts, k = blk % parts * share + threadIdx.x, end = k - threadIdx.x + share;
        if (end > m) end = m;
        double mean = pass ? channel_total(first, ch, parts) / (double)m : 0, s = 0;
        for (Walk at(k, RBLOCK, hw, n); k < end; k += RBLOCK, at.next()) {
            double v = (double)x[(at.q * c + ch) * hw + at.r] - mean;
            s += pass ? v * v : v;
        }
        double total = block_sum(scratch, s);
        if (threadIdx.x == 0) part[blk] = total;
    }
}

// One thread a channel: mean = sum(x) / m, var = sum((x - mean)^2) / m, kept in double.
extern "C" __global__ void bn_stats_T(const double* sums, const double* squares, long long c, long long parts,
                                      double m, double* mean, double* var)
{
    for (long long ch = blockIdx.x * (long long)blockDim.x + threadIdx.x; ch < c; ch += (long long)gridDim.x * blockDim.x) {
        mean[ch] = channel_total(sums, ch, parts) / m;
        var[ch] = channel_total(squares, ch, parts) / m;
    }
}

// Block (ch, p): its share of sum(g) and sum(g * (x - mean)) over channel ch, as bn_moments.
extern "C" __global__ void __launch_bounds__(RBLOCK)
bn_grad_parts_T(const T* g, const T* x, const double* mean, long long n, long long c, long long hw,
                long long parts, double* part_g, double* part_gc)
{
    __shared__ double scratch[RBLOCK];
    long long m = n * hw, share = (m + parts - 1) / parts;
    for (long long blk = blockIdx.x; blk < c * parts; blk += gridDim.x) {
        long long ch = blk / parts, k = blk % parts * share + threadIdx.x, end = k - threadIdx.x + share;
        if (end > m) end = m;
        double mu = mean[ch], sg = 0, sgc = 0;
        for (Walk at(k, RBLOCK, hw, n); k < end; k += RBLOCK, at.next()) {
            long long i = (at.q * c + ch) * hw + at.r;
            double gi = (double)g[i];
            sg += gi;
            sgc += gi * ((double)x[i] - mu);
        }
        double total_g = block_sum(scratch, sg);
        double total_gc = block_sum(scratch, sgc);
        if (threadIdx.x == 0) {
            part_g[blk] = total_g;
            part_gc[blk] = total_gc;
        }
    }
}

// One thread a channel: sum_g = sum(g), sum_gxhat = sum(g * (x - mean)) / sqrt(var + eps).
extern "C" __global__ void bn_grad_sums_T(const double* part_g, const double* part_gc, long long c, long long parts,
                                          const double* var, double eps, T* sum_g, T* sum_gxhat)
{
    for (long long ch = blockIdx.x * (long long)blockDim.x + threadIdx.x; ch < c; ch += (long long)gridDim.x * blockDim.x) {
        sum_g[ch] = (T)channel_total(part_g, ch, parts);
        sum_gxhat[ch] = (T)(channel_total(part_gc, ch, parts) / sqrt(var[ch] + eps));
    }
}

// One thread a channel, what the elementwise kernels multiply by (coef is 3 rows of c), in double:
//   scale = weight / sqrt(var + eps) (1 / sqrt(var + eps) without affine);
//   with sums (dx in training): mean_g = scale * sum_g / m, slope = scale * sum_gxhat / (sqrt(var + eps) * m).
extern "C" __global__ void bn_coefficients_T(const double* var, double eps, const T* weight, int affine,
                                             const T* sum_g, const T* sum_gxhat, double m, int with_sums,
                                             long long c, double* coef)
{
    for (long long ch = blockIdx.x * (long long)blockDim.x + threadIdx.x; ch < c; ch += (long long)gridDim.x * blockDim.x) {
        double inv_std = 1 / sqrt(var[ch] + eps);
        double scale = affine ? inv_std * (double)weight[ch] : inv_std;
        coef[ch] = scale;
        coef[c + ch] = with_sums ? scale * (double)sum_g[ch] / m : 0;
        coef[2 * c + ch] = with_sums ? scale * inv_std * (double)sum_gxhat[ch] / m : 0;
    }
}

// out = (x - mean) * scale (+ bias when affine), one thread per value, rounded to T once.
extern "C" __global__ void bn_forward_T(const T* x, T* out, long long total, long long c, long long hw,
                                        const double* mean, const double* coef, const T* bias, int affine)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x, step = (long long)gridDim.x * blockDim.x;
    for (Walk at(i, step, hw, c); i < total; i += step, at.next()) {
        double y = ((double)x[i] - mean[at.q]) * coef[at.q];
        out[i] = (T)(affine ? y + (double)bias[at.q] : y);
    }
}

// dx = scale * g - mean_g - (x - mean) * slope (training: the batch statistics depend on x too),
// dx = scale * g in eval; one thread per value.
extern "C" __global__ void bn_dx_T(const T* g, const T* x, T* dx, long long total, long long c, long long hw,
                                   const double* mean, const double* coef, int training)
{
    long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x, step = (long long)gridDim.x * blockDim.x;
    for (Walk at(i, step, hw, c); i < total; i += step, at.next()) {
        long long ch = at.q;
        double d = coef[ch] * (double)g[i];
        if (training) d = d - coef[c + ch] - ((double)x[i] - mean[ch]) * coef[2 * c + ch];
        dx[i] = (T)d;
    }
}
""", ["bn_moments", "bn_stats", "bn_grad_parts", "bn_grad_sums", "bn_coefficients", "bn_forward", "bn_dx"])


def supported(x):
    """The kernels take float32 and float64 (other dtypes take the portable path)."""
    return cuda_kernels.supported(x.dtype)


def _shape(x):
    """(n, c, hw) as the kernels' long long arguments."""
    return np.int64(x.shape[0]), np.int64(x.shape[1]), np.int64(math.prod(x.shape[2:]))  # hw = 1 for (N, C)


def _parts(x):
    """How many blocks share each channel: enough for ~TARGET_BLOCKS in all, each summing at least
    MIN_SHARE values. A function of the shape only, so every run sums in the same order."""
    n, c, hw = (int(v) for v in _shape(x))
    return max(1, min(-(-n * hw // MIN_SHARE), -(-TARGET_BLOCKS // max(c, 1))))


def _reduce(name, x, args, outputs):
    """Launch a per-channel partial-sum kernel: (channel, part) blocks of exactly REDUCE_BLOCK threads."""
    parts = _parts(x)
    fn = cuda_kernels.kernel(SOURCE, name, x.dtype)
    launch(fn, 0, (*args, *_shape(x), np.int64(parts), *outputs),
           grid=max(1, min(x.shape[1] * parts, cuda_kernels.MAX_GRID)), block=REDUCE_BLOCK)
    return parts


def _double(a):
    import cupy
    return cupy.ascontiguousarray(a, dtype=np.float64)


def _like_x(grad, x):
    """grad in x's dtype (a caller that cast it to the float64 statistics' dtype: back, losslessly)."""
    import cupy
    return cupy.ascontiguousarray(grad, dtype=x.dtype)


def stats(x):
    """Per-channel (mean, biased var) of the contiguous cupy array x, float64 whatever x's dtype
    (x - mean with a float32 mean would lose 4.5e-4 at mean 1000, spread 0.01). Two passes over x,
    each summed in double by several blocks a channel, then the parts summed in a fixed order:
    bitwise the same on every run."""
    import cupy
    c = x.shape[1]
    parts = _parts(x)
    sums, squares = cupy.empty(c * parts, np.float64), cupy.empty(c * parts, np.float64)
    _reduce("bn_moments", x, (x,), (np.int32(0), sums, sums))  # `first` is not read in pass 0
    _reduce("bn_moments", x, (x,), (np.int32(1), sums, squares))
    mean, var = cupy.empty(c, np.float64), cupy.empty(c, np.float64)
    launch(cuda_kernels.kernel(SOURCE, "bn_stats", x.dtype), c,
           (sums, squares, np.int64(c), np.int64(parts), np.float64(x.size // max(c, 1)), mean, var))
    return mean, var


def _coefficients(x, var, eps, weight, channel_sums=None):
    """(3, c) float64: scale, and for dx in training mean_g and slope (bn_coefficients)."""
    import cupy
    c = x.shape[1]
    coef = cupy.empty(3 * c, np.float64)
    affine, with_sums = weight is not None, channel_sums is not None
    sum_g, sum_gxhat = channel_sums if with_sums else (x, x)  # never read without sums
    launch(cuda_kernels.kernel(SOURCE, "bn_coefficients", x.dtype), c,
           (_double(var), np.float64(eps), weight if affine else x, np.int32(affine), sum_g, sum_gxhat,
            np.float64(x.size // max(c, 1)), np.int32(with_sums), np.int64(c), coef))
    return coef


def normalize(x, mean, var, eps, weight, bias):
    """(x - mean) / sqrt(var + eps) * weight + bias per channel; weight and bias both or neither.
    mean and var in any float dtype (stats' float64 ones, or the running statistics)."""
    import cupy
    out = cupy.empty_like(x)
    _, c, hw = _shape(x)
    affine = weight is not None
    coef = _coefficients(x, var, eps, weight)
    launch(cuda_kernels.kernel(SOURCE, "bn_forward", x.dtype), x.size,
           (x, out, np.int64(x.size), c, hw, _double(mean), coef, bias if affine else x, np.int32(affine)))
    return out


def sums(grad, x, mean, var, eps):
    """Per-channel (sum(grad), sum(grad * xhat)) in x's dtype: dbias and dweight."""
    import cupy
    grad = _like_x(grad, x)
    c = x.shape[1]
    parts = _parts(x)
    part_g, part_gc = cupy.empty(c * parts, np.float64), cupy.empty(c * parts, np.float64)
    _reduce("bn_grad_parts", x, (grad, x, _double(mean)), (part_g, part_gc))
    sum_g, sum_gxhat = cupy.empty(c, dtype=grad.dtype), cupy.empty(c, dtype=grad.dtype)
    launch(cuda_kernels.kernel(SOURCE, "bn_grad_sums", x.dtype), c,
           (part_g, part_gc, np.int64(c), np.int64(parts), _double(var), np.float64(eps), sum_g, sum_gxhat))
    return sum_g, sum_gxhat


def input_grad(grad, x, mean, var, eps, weight, channel_sums, training):
    """dx; x and channel_sums (from sums) are read only in training (pass None in eval)."""
    import cupy
    grad = _like_x(grad, x) if training else grad
    dx = cupy.empty_like(grad)
    _, c, hw = _shape(grad)
    coef = _coefficients(grad, var, eps, weight, channel_sums if training else None)
    launch(cuda_kernels.kernel(SOURCE, "bn_dx", grad.dtype), grad.size,
           (grad, x if training else grad, dx, np.int64(grad.size), c, hw, _double(mean), coef, np.int32(training)))
    return dx
