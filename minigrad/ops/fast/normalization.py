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

    def backward(self, grad):
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
