"""Batch norm's CPU passes over an NCHW batch, with what each pass computes from a block while
it is in the cache: the batch is cut into blocks of about BLOCK numbers (whole images, or
rows of one image, of the (N*C, H*W) matrix, one row per image and channel: `Rows`), split
over threads (numpy releases the GIL inside a ufunc).

Forward keeps c = x - mean rather than xhat = c / std: backward rewrites every xhat as
c * inv_std, which saves the pass that would make xhat. Per channel (m values each):

    training:  mean = sum(x) / m;   var = sum(c * c) / m - (sum(c) / m)^2
    out = x * scale + (bias - mean * scale)                  (eval: this alone)
    backward:  dbias = sum(g);   dweight = inv_std * sum(g * c')
               dx = (g - dbias / m - c' * inv_std^2 * sum(g * c') / m) * scale   (training)
               dx = g * scale                                                    (eval)
with c' = c - sum(c) / m, exactly centred (c carries the float32 mean's rounding; c' = c in eval)
and scale = weight * inv_std, in the order PyTorch computes them (which decides where an inf
weight gives NaN). ops/normalization.py is the same math, written plainly.

Passes over memory (the same operations, one whole-array numpy call each, make 8 and 12):
training forward reads x for the mean; reads x, writes c and sums c and c * c from the cache;
reads x, writes out and adds the shift in the cache (5). Backward reads g and c for the sums;
reads g and c and writes dx, every other step in the cache (5). Blocks of whole channels would
read x once, but a channel of a small image is short rows far apart in memory (28x28: 3 KB
every 400 KB), which numpy walks at half speed; measured slower on 28x28 and 14x14 images.
Sums run over each row in the array's dtype (a matrix-vector product), then per channel in
float64; sum(c) corrects the variance for the float32 mean's rounding.
"""
import numpy as np

from ...array_module import get_array_module
from .blas import one_blas_thread
from ..normalization import channel_axes, per_channel
from . import workspace
from .workspace import chunks, over_batch

GEMV_SUMS = True  # False: numpy's sum (kept for timing the two against each other)
BLOCK = 1 << 18  # numbers per block (at least one row): 1 MB of float32, in L2 or L3 with what it writes


def channel_sums(a, b=None):
    """sum over every axis but 1 of an (N, C, ...) array, or of a * b without making a * b:
    row sums of the (N*C, H*W) matrix as a matrix-vector product (BLAS streams the array
    once, on one thread: a second gains little here and then spins, blas.py) or a row-wise
    dot product, then over N. Elsewhere (2-D, the GPU, strided arrays) numpy's sum."""
    if a.ndim == 2 or not GEMV_SUMS or get_array_module(a) is not np or not a.flags.c_contiguous \
            or (b is not None and not b.flags.c_contiguous):
        return (a if b is None else a * b).sum(axis=channel_axes(a))
    n, c = a.shape[:2]
    rows = a.reshape(n * c, -1)
    if b is None:
        with one_blas_thread():
            sums = rows @ np.ones(rows.shape[1], dtype=a.dtype)
    else:
        sums = np.einsum("ij,ij->i", rows, b.reshape(n * c, -1))
    return sums.reshape(n, c).sum(axis=0)


class Rows:
    """An (N, C, ...) C-contiguous batch as an (N*C, L) matrix, one row per image and channel,
    cut into blocks of rows (a batch too small for threads is one block: each numpy call costs
    ~2 us); `run(work)` calls work(a, b) for each block's rows, split over threads.

    A block is whole images, or rows of one image: then `part` gives it as (images, C*L) or
    (1, rows*L) and `spread(v)[...]` a per-channel vector laid out as one image's numbers, so
    that `part * vector` runs along contiguous runs of C*L numbers. Rows (N*C, L) times an
    (N*C, 1) column would start a new run every L numbers: at 7x7 that measured 1.8x slower,
    at 56x56 1.3x (x * scale + shift, 8x256x7x7: 98 -> 54 us; 32x64x56x56: 6.3 -> 5.0 ms)."""
    def __init__(self, x):
        self.n, self.c = x.shape[:2]
        self.length = x.size // (self.n * self.c) if x.size else 0
        self.m = self.n * self.length  # numbers per channel
        image = self.c * self.length
        if self.n * self.c == 0:
            self.blocks = []
        elif x.size < workspace.PARALLEL_MIN_SIZE:
            self.blocks = [(0, self.n * self.c)]
        elif image <= BLOCK:  # whole images
            self.blocks = [(a * self.c, b * self.c) for a, b in chunks(0, self.n, BLOCK // max(1, image))]
        else:  # each image cut into blocks of rows
            rows = max(1, BLOCK // max(1, self.length))
            self.blocks = [(i * self.c + a, i * self.c + b) for i in range(self.n) for a, b in chunks(0, self.c, rows)]
        self.ones = np.ones(self.length, dtype=x.dtype)
        self.size = x.size

    def of(self, a):
        return a.reshape(self.n * self.c, self.length)

    def part(self, a, lo, hi):
        """Block rows lo:hi of a as (images, C*L), or (1, (hi - lo) * L) inside one image (a block
        is one or the other, never part of two images: __init__ cuts them so)."""
        flat = a.reshape(-1)[lo * self.length:hi * self.length]
        if hi - lo >= self.c:
            return flat.reshape((hi - lo) // self.c, self.c * self.length)
        return flat.reshape(1, (hi - lo) * self.length)

    def spread(self, v):
        """A (C,) vector as one image's numbers (C*L,): a function (lo, hi) -> the block's part
        of it, to combine with part(a, lo, hi)."""
        image = np.repeat(v, self.length)

        def block(lo, hi):
            if hi - lo >= self.c:
                return image
            start = (lo % self.c) * self.length
            return image[start:start + (hi - lo) * self.length]
        return block

    def dots(self, a, b):
        """sum(a * b) of each row of two (k, L) blocks, without making a * b."""
        if self.length >= 256:  # long rows: one BLAS dot product each
            return np.matmul(a[:, None, :], b[:, :, None])[:, 0, 0]
        return np.einsum("ij,ij->i", a, b)

    def per_channel(self, rows):
        """Per-row sums (N*C,) added up per channel, in float64."""
        return rows.reshape(self.n, self.c).sum(axis=0, dtype=np.float64)

    def run(self, work):
        def blocks(i, j):
            for a, b in self.blocks[i:j]:
                work(a, b)
        over_batch(np, len(self.blocks), blocks, self.size)


@one_blas_thread()  # each call's matrix-vector products on one BLAS thread (blas.py says why)
def train_forward(x, weight, bias, eps):
    """(out, c, mean, var, inv_std, drift) of a training-mode batch norm; drift = the mean of c per
    channel (float64), the float32 mean's rounding, which backward takes out of c again."""
    rows = Rows(x)
    xr, sums = rows.of(x), np.empty(rows.n * rows.c, dtype=x.dtype)

    def sum_rows(a, b):
        sums[a:b] = xr[a:b] @ rows.ones
    rows.run(sum_rows)
    mean = (rows.per_channel(sums) / rows.m).astype(x.dtype)
    c = np.empty_like(x)
    cr, mean_s = rows.of(c), rows.spread(mean)
    s1, s2 = np.empty_like(sums), np.empty_like(sums)

    def center(a, b):  # c = x - mean, then its sums while the block is in the cache
        np.subtract(rows.part(x, a, b), mean_s(a, b), out=rows.part(c, a, b))
        s1[a:b] = cr[a:b] @ rows.ones
        s2[a:b] = rows.dots(cr[a:b], cr[a:b])
    rows.run(center)
    s1, s2 = rows.per_channel(s1) / rows.m, rows.per_channel(s2) / rows.m
    var = np.maximum(s2 - s1 * s1, 0).astype(x.dtype)  # m * s1 is the mean's rounding error, summed
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    scale = inv_std * weight if weight is not None else inv_std
    shift = -mean * scale + bias if bias is not None else -mean * scale
    return affine(x, scale, shift), c, mean, var, inv_std, s1


@one_blas_thread()
def affine(x, scale, shift):
    """x * scale + shift, per channel (shift may be None), in one pass over x."""
    rows = Rows(x)
    out = np.empty_like(x)
    scale_s = rows.spread(scale)
    shift_s = rows.spread(shift) if shift is not None else None

    def work(a, b):
        part = rows.part(out, a, b)
        np.multiply(rows.part(x, a, b), scale_s(a, b), out=part)
        if shift_s is not None:
            part += shift_s(a, b)
    rows.run(work)
    return out


def times_scale(a, inv_std, weight, scale):
    """a *= scale (= inv_std * weight) per channel, in place. PyTorch multiplies by inv_std, then by the
    weight: where their product overflows (a weight near 3e38) it does the two, else one pass."""
    for factor in _scale_factors(inv_std, weight, scale):
        a *= per_channel(factor, a)


def _scale_factors(inv_std, weight, scale):
    """What times_scale multiplies by, in order: scale, or inv_std then weight where scale overflows."""
    if weight is None or get_array_module(scale).isfinite(scale).all():  # (C,) numbers: a cheap check
        return (scale,)
    return (inv_std, weight)


@one_blas_thread()
def backward(grad, c, inv_std, weight, training, need_w, drift=None):
    """(dx, dweight, dbias) from the output gradient and the kept c = x - mean. drift (per channel,
    or None for 0) is the mean of c: the sums and dx use c - drift, the exactly centred input
    (at mean 1000, spread 0.01, the float32 mean's rounding alone doubled dweight's error)."""
    rows = Rows(grad)
    scale = inv_std * weight if weight is not None else inv_std
    gr, cr = rows.of(grad), rows.of(c) if c is not None else None
    sums = None
    if need_w or training:  # per channel sum(g) and sum(g * c): g and c read once
        g_rows, gc_rows = np.empty(rows.n * rows.c, grad.dtype), np.empty(rows.n * rows.c, grad.dtype)

        def sum_rows(a, b):
            g_rows[a:b] = gr[a:b] @ rows.ones
            gc_rows[a:b] = rows.dots(gr[a:b], cr[a:b])
        rows.run(sum_rows)
        g_sum, gc_sum = rows.per_channel(g_rows), rows.per_channel(gc_rows)
        if drift is not None:  # sum(g * (c - drift))
            gc_sum = gc_sum - drift * g_sum
        sums = g_sum.astype(grad.dtype), gc_sum.astype(grad.dtype)
    if not training:
        gx = affine(grad, scale, None)
    else:
        g_sum, gc_sum = sums
        k_c = inv_std * inv_std * gc_sum / rows.m
        k_0 = g_sum / rows.m - (drift * k_c if drift is not None else 0)  # (c - drift) * k_c + g_sum / m
        k_c, k_0 = rows.spread(k_c), rows.spread(k_0.astype(grad.dtype))
        factors = [rows.spread(f) for f in _scale_factors(inv_std, weight, scale)]
        gx = np.empty_like(grad)

        def work(a, b):  # (g - (c * k_c + k_0)) * scale: PyTorch's order, a huge scale overflows only once
            part = rows.part(gx, a, b)
            np.multiply(rows.part(c, a, b), k_c(a, b), out=part)
            part += k_0(a, b)
            np.subtract(rows.part(grad, a, b), part, out=part)
            for factor in factors:
                part *= factor(a, b)
        rows.run(work)
    if sums is None:
        return gx, None, None
    return gx, inv_std * sums[1], sums[0]
