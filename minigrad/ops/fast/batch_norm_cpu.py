"""Batch norm's CPU passes over an NCHW batch, in as few passes as the formulas allow,
each pass split over threads by images (numpy releases the GIL inside a ufunc).

Forward keeps c = x - mean rather than xhat = c / std: backward rewrites every xhat as
c * inv_std, which saves the pass that would make xhat. Per channel (m values each):

    training:  mean = sum(x) / m;   var = sum(c * c) / m
    out = c * (weight * inv_std) + bias                      (2 passes: multiply, add)
    eval:      out = x * (weight * inv_std) + (bias - mean * weight * inv_std)
    backward:  dbias = sum(g);   dweight = inv_std * sum(g * c)
               dx = scale * (g - dbias / m - c * inv_std^2 * sum(g * c) / m)   (training)
               dx = scale * g                                                  (eval)
with scale = weight * inv_std. ops/normalization.py is the same math, written plainly.
"""
import numpy as np

from ..blas import one_blas_thread
from .workspace import over_batch


def rows(a):
    """(M, C, H, W) -> (M*C, H*W): one row per image and channel."""
    return a.reshape(a.shape[0] * a.shape[1], -1)


def channel_sum(a, b=None):
    """Per channel (over images and pixels) sum of a, or of a * b, without making a * b."""
    if b is None:
        with one_blas_thread():  # a matrix-vector product streams the rows once
            sums = rows(a) @ np.ones(a[0, 0].size, dtype=a.dtype)
    else:
        sums = np.einsum("ij,ij->i", rows(a), rows(b))
    return sums.reshape(a.shape[:2]).sum(axis=0)


def per_channel(v, dtype):
    return v.astype(dtype, copy=False).reshape(1, -1, 1, 1)


def parallel(x, work):
    """work(start, stop) over slices of the images; the list of what each returned."""
    return over_batch(np, x.shape[0], work, x.size)


def summed(parts):
    total = parts[0]
    for part in parts[1:]:
        total = total + part
    return total


def train_forward(x, weight, bias, eps):
    """(out, c, mean, var, inv_std) of a training-mode batch norm."""
    m = x.size // x.shape[1]
    mean = summed(parallel(x, lambda a, b: channel_sum(x[a:b]))) / m
    c = np.empty_like(x)

    def center(a, b):
        np.subtract(x[a:b], per_channel(mean, x.dtype), out=c[a:b])
        return channel_sum(c[a:b], c[a:b])
    var = summed(parallel(x, center)) / m
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))
    out = affine(c, inv_std * weight if weight is not None else inv_std, bias)
    return out, c, mean, var, inv_std


def affine(x, scale, shift):
    """x * scale + shift, per channel (shift may be None), in two passes split over threads."""
    out = np.empty_like(x)

    def work(a, b):
        np.multiply(x[a:b], per_channel(scale, x.dtype), out=out[a:b])
        if shift is not None:
            out[a:b] += per_channel(shift, x.dtype)
    parallel(x, work)
    return out


def backward(grad, c, inv_std, weight, training, need_w):
    """(dx, dweight, dbias) from the output gradient and the kept c = x - mean."""
    m = grad.size // grad.shape[1]
    scale = inv_std * weight if weight is not None else inv_std
    sums = None
    if need_w or training:  # per channel sum(g) and sum(g * c)
        parts = parallel(grad, lambda a, b: (channel_sum(grad[a:b]), channel_sum(grad[a:b], c[a:b])))
        sums = summed([p[0] for p in parts]), summed([p[1] for p in parts])
    if not training:
        gx = affine(grad, scale, None)
    else:
        g_sum, gc_sum = sums
        k_c = per_channel(scale * inv_std * inv_std * gc_sum / m, grad.dtype)
        k_0 = per_channel(scale * g_sum / m, grad.dtype)
        gx = np.empty_like(grad)

        def work(a, b):  # scale * g - (c * k_c + k_0)
            part = gx[a:b]
            np.multiply(c[a:b], k_c, out=part)
            part += k_0
            np.subtract(np.multiply(grad[a:b], per_channel(scale, grad.dtype)), part, out=part)
        parallel(grad, work)
    if sums is None:
        return gx, None, None
    return gx, inv_std * sums[1], sums[0]
