"""Batch normalisation, the fast version: the formulas of ops/normalization.py (read that
first) with fewer passes over memory and fewer arrays kept. Same arguments, same results.

- The centred input is normalised in place (one temporary fewer).
- xhat is kept only when a backward needs it: for dweight, or for dx in training; a
  frozen eval-mode layer keeps only 1/std.
- Per-channel sums of an NCHW array are a matrix-vector product with a vector of ones
  (BLAS streams the array once), not numpy's strided sum over axes (0, 2, 3).
"""
import numpy as np

from ...backend import get_array_module
from ...autograd import Function
from ..blas import one_blas_thread
from . import batch_norm_cpu
from ..normalization import channel_axes, check_batch_norm, per_channel


GEMV_SUMS = True  # False: numpy's sum (kept for timing the two against each other)


def channel_sums(a, b=None):
    """sum over every axis but 1 of an (N, C, ...) array, or of a * b without making a * b:
    row sums of the (N*C, H*W) matrix as a matrix-vector product (or a row-wise dot
    product), then over N."""
    if a.ndim == 2 or not GEMV_SUMS or get_array_module(a) is not np or not a.flags.c_contiguous \
            or (b is not None and not b.flags.c_contiguous):
        return (a if b is None else a * b).sum(axis=channel_axes(a))
    n, c = a.shape[:2]
    rows = a.reshape(n * c, -1)
    if b is None:
        with one_blas_thread():  # memory-bound: a second BLAS thread gains little and then spins (blas.py)
            sums = rows @ np.ones(rows.shape[1], dtype=a.dtype)
    else:
        sums = np.einsum("ij,ij->i", rows, b.reshape(n * c, -1))
    return sums.reshape(n, c).sum(axis=0)


class BatchNorm(Function):
    name = "batch_norm"

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        check_batch_norm(x, weight, bias, running_mean, running_var, training)
        xp = get_array_module(x)
        self.threaded = xp is np and x.ndim == 4 and x.flags.c_contiguous
        if self.threaded:  # an image batch on the CPU: batch_norm_cpu.py
            return self.forward_cpu(x, weight, bias, running_mean, running_var, training, momentum, eps)
        axes = channel_axes(x)
        self.axes, self.training, self.count = axes, training, x.size // x.shape[1]
        if training:
            n = self.count
            mean = channel_sums(x) / n
            centered = x - per_channel(mean, x)
            var = channel_sums(centered, centered) / n  # the biased variance normalises
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:  # the unbiased one is the running estimate, as PyTorch
                running_var *= 1 - momentum
                running_var += momentum * n / (n - 1) * var
        else:
            var = running_var.astype(x.dtype, copy=False)  # x's dtype, even for float64 statistics
            centered = x - per_channel(running_mean, x)
        inv_std = 1 / xp.sqrt(var + x.dtype.type(eps))
        xhat = centered
        xhat *= per_channel(inv_std, x)  # in place: centered is ours
        out = xhat * per_channel(weight, x) if weight is not None else xhat.copy()
        if bias is not None:
            out += per_channel(bias, x)
        need_x = self.needs_input_grad[0]
        need_w = weight is not None and any(self.needs_input_grad[1:])
        keep_xhat = need_w or (need_x and training)
        self.save_for_backward(xhat if keep_xhat else None, inv_std, weight)
        return out

    def forward_cpu(self, x, weight, bias, running_mean, running_var, training, momentum, eps):
        need_w = weight is not None and any(self.needs_input_grad[1:])
        self.training = training
        if training:
            out, c, mean, var, inv_std = batch_norm_cpu.train_forward(x, weight, bias, eps)
            n = x.size // x.shape[1]
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:  # the unbiased one is the running estimate, as PyTorch
                running_var *= 1 - momentum
                running_var += momentum * n / (n - 1) * var
        else:
            inv_std = 1 / np.sqrt(running_var.astype(x.dtype, copy=False) + x.dtype.type(eps))
            mean = running_mean.astype(x.dtype, copy=False)
            scale = inv_std * weight if weight is not None else inv_std
            shift = -mean * scale + (bias if bias is not None else 0)
            out = batch_norm_cpu.affine(x, scale, shift)
            c = x - mean.reshape(1, -1, 1, 1) if need_w else None  # dweight needs x - mean
        keep_c = need_w or (training and self.needs_input_grad[0])
        self.save_for_backward(c if keep_c else None, inv_std, weight)
        return out

    def backward(self, grad):
        if self.threaded:
            c, inv_std, weight = self.saved
            needs = self.needs_input_grad + (False, False)
            gx, gw, gb = batch_norm_cpu.backward(np.ascontiguousarray(grad), c, inv_std, weight,
                                                 self.training, c is not None)
            gx = gx if needs[0] else None
            if weight is None:
                return (gx,)
            return gx, (gw if needs[1] else None), (gb if needs[2] else None)
        xhat, inv_std, weight = self.saved
        needs = self.needs_input_grad + (False, False)
        gx = gw = gb = None
        if xhat is not None:  # sums over each channel: dbias and dweight, and what dx needs
            gb = channel_sums(grad)
            gw = channel_sums(grad, xhat)
        scale = inv_std * weight if weight is not None else inv_std  # d out / d x, per channel, at fixed stats
        if needs[0]:
            gx = grad * per_channel(scale, grad)
            if self.training:
                # dx = scale * (grad - mean(grad) - xhat * mean(grad * xhat))
                gx -= per_channel(scale * gb / self.count, grad)
                gx -= xhat * per_channel(scale * gw / self.count, grad)
        if weight is None:
            return (gx,)
        return gx, (gw if needs[1] else None), (gb if needs[2] else None)
