"""Batch norm's CPU passes over an NCHW batch, in as few passes as the formulas allow,
each pass split over threads by images (numpy releases the GIL inside a ufunc).

Forward keeps c = x - mean rather than xhat = c / std: backward rewrites every xhat as
c * inv_std, which saves the pass that would make xhat. Per channel (m values each):

    training:  mean = sum(x) / m;   var = sum(c * c) / m
    out = x * scale + (bias - mean * scale)                  (2 passes: multiply, add; eval too)
    backward:  dbias = sum(g);   dweight = inv_std * sum(g * c)
               dx = (g - dbias / m - c * inv_std^2 * sum(g * c) / m) * scale   (training)
               dx = g * scale                                                  (eval)
with scale = weight * inv_std, in the order PyTorch computes them (which decides where an inf
weight gives NaN). ops/normalization.py is the same math, written plainly.
"""
import numpy as np

from ...array_module import get_array_module
from .blas import one_blas_thread
from ..normalization import channel_axes, per_channel
from .workspace import over_batch

GEMV_SUMS = True  # False: numpy's sum (kept for timing the two against each other)


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


def parallel(x, work):
    """work(start, stop) over slices of the images; the list of what each returned."""
    return over_batch(np, x.shape[0], work, x.size)


def train_forward(x, weight, bias, eps):
    """(out, c, mean, var, inv_std) of a training-mode batch norm."""
    m = x.size // x.shape[1]
    mean = sum(parallel(x, lambda a, b: channel_sums(x[a:b]))) / m
    c = np.empty_like(x)

    def center(a, b):
        np.subtract(x[a:b], per_channel(mean, x), out=c[a:b])
        return channel_sums(c[a:b], c[a:b])
    var = sum(parallel(x, center)) / m
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    scale = inv_std * weight if weight is not None else inv_std
    out = affine(x, scale, -mean * scale + bias if bias is not None else -mean * scale)
    return out, c, mean, var, inv_std


def affine(x, scale, shift):
    """x * scale + shift, per channel (shift may be None), in two passes split over threads."""
    out = np.empty_like(x)

    def work(a, b):
        np.multiply(x[a:b], per_channel(scale, x), out=out[a:b])
        if shift is not None:
            out[a:b] += per_channel(shift, x)
    parallel(x, work)
    return out


def times_scale(a, inv_std, weight, scale):
    """a *= scale (= inv_std * weight) per channel, in place. PyTorch multiplies by inv_std, then by the
    weight: where their product overflows (a weight near 3e38) it does the two, else one pass."""
    if weight is None or get_array_module(scale).isfinite(scale).all():  # (C,) numbers: a cheap check
        a *= per_channel(scale, a)
    else:
        a *= per_channel(inv_std, a)
        a *= per_channel(weight, a)


def backward(grad, c, inv_std, weight, training, need_w):
    """(dx, dweight, dbias) from the output gradient and the kept c = x - mean."""
    m = grad.size // grad.shape[1]
    scale = inv_std * weight if weight is not None else inv_std
    sums = None
    if need_w or training:  # per channel sum(g) and sum(g * c)
        parts = parallel(grad, lambda a, b: (channel_sums(grad[a:b]), channel_sums(grad[a:b], c[a:b])))
        sums = sum(p[0] for p in parts), sum(p[1] for p in parts)
    if not training:
        gx = affine(grad, scale, None)
    else:
        g_sum, gc_sum = sums
        k_c = per_channel(inv_std * inv_std * gc_sum / m, grad)
        k_0 = per_channel(g_sum / m, grad)
        gx = np.empty_like(grad)

        def work(a, b):  # (g - (c * k_c + k_0)) * scale: PyTorch's order, a huge scale overflows only once
            part = gx[a:b]
            np.multiply(c[a:b], k_c, out=part)
            part += k_0
            np.subtract(grad[a:b], part, out=part)
            times_scale(part, inv_std, weight, scale)
        parallel(grad, work)
    if sums is None:
        return gx, None, None
    return gx, inv_std * sums[1], sums[0]
