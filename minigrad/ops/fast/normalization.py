"""Batch normalisation, the fast version: the formulas of ops/normalization.py (read that
first) with fewer passes over memory and fewer arrays kept. Same arguments, same results.

- The centred input is normalised in place (one temporary fewer).
- x - mean is kept, not xhat = (x - mean) / std, and only when a backward needs it (for dweight,
  or for dx in training; a frozen eval-mode layer keeps only 1/std): backward multiplies the sums
  by 1/std, as PyTorch (one pass fewer, and the same NaN where a sum overflows to inf).
- Per-channel sums of an NCHW array are a matrix-vector product with a vector of ones
  (BLAS streams the array once), not numpy's strided sum over axes (0, 2, 3).
- An image batch on the CPU goes to batch_norm_cpu.py: eval as one affine map, every pass split
  over threads.
- A float32/float64 cupy array goes to batch_norm_cuda.py: per-channel partial sums summed in a
  fixed order, then one elementwise kernel each way; mean and variance kept in float64; x itself
  is kept (xhat is recomputed from x, mean and var).
- Elsewhere (2-D, 3-D, strided) the training statistics are numpy's float64 sums, and backward
  takes the float32 mean's rounding out of c as batch_norm_cpu.py does.
"""
import numpy as np

from ...array_module import get_array_module
from ...autograd import Function
from . import batch_norm_cpu, batch_norm_cuda
from .batch_norm_cpu import channel_sums
from ..normalization import channel_axes, check_batch_norm, per_channel


class BatchNormFast(Function):
    backward_name = "NativeBatchNormBackward0"  # PyTorch's name of this node
    op = "batch_norm"
    cuda = False  # True when forward ran the CUDA kernels (batch_norm_cuda.py)
    drift = None  # training on the CPU: the mean of c = x - mean per channel, its float32 rounding

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        check_batch_norm(x, weight, bias, running_mean, running_var, training)
        xp = get_array_module(x)
        if xp is not np and batch_norm_cuda.supported(x):
            return self.forward_cuda(x, weight, bias, running_mean, running_var, training, momentum, eps)
        self.threaded = xp is np and x.ndim == 4 and x.flags.c_contiguous
        if self.threaded:  # an image batch on the CPU: batch_norm_cpu.py
            return self.forward_cpu(x, weight, bias, running_mean, running_var, training, momentum, eps)
        axes = channel_axes(x)
        self.axes, self.training, self.count = axes, training, x.size // x.shape[1]
        if training:  # sums in float64; the variance as E[c^2] - E[c]^2 cancels the mean's rounding
            n, wide = self.count, xp.float64
            mean = (x.sum(axis=axes, dtype=wide) / n).astype(x.dtype)
            centered = x - per_channel(mean, x)
            drift = self.drift = centered.sum(axis=axes, dtype=wide) / n
            var = ((centered * centered).sum(axis=axes, dtype=wide) / n - drift * drift).astype(x.dtype)
            update_running(running_mean, running_var, mean, var, n, momentum)
        else:
            mean = running_mean.astype(x.dtype, copy=False)  # x's dtype, even for float64 statistics
            var = running_var.astype(x.dtype, copy=False)
            centered = None
        inv_std = 1 / xp.sqrt(var + x.dtype.type(eps))
        scale = inv_std * weight if weight is not None else inv_std
        shift = -mean * scale + bias if bias is not None else -mean * scale
        out = x * per_channel(scale, x)  # x * scale + shift, the form PyTorch applies
        out += per_channel(shift, x)
        need_x = self.needs_input_grad[0]
        need_w = weight is not None and any(self.needs_input_grad[1:])
        keep_c = need_w or (need_x and training)
        c = None
        if keep_c:
            c = centered if centered is not None else x - per_channel(mean, x)
        self.save_for_backward(c, inv_std, weight)
        return out

    def forward_cpu(self, x, weight, bias, running_mean, running_var, training, momentum, eps):
        need_w = weight is not None and any(self.needs_input_grad[1:])
        self.training = training
        if training:
            out, c, mean, var, inv_std, self.drift = batch_norm_cpu.train_forward(x, weight, bias, eps)
            update_running(running_mean, running_var, mean, var, x.size // x.shape[1], momentum)
        else:
            inv_std = 1 / np.sqrt(running_var.astype(x.dtype, copy=False) + x.dtype.type(eps))
            mean = running_mean.astype(x.dtype, copy=False)
            scale = inv_std * weight if weight is not None else inv_std
            shift = -mean * scale + (bias if bias is not None else 0)
            out = batch_norm_cpu.affine(x, scale, shift)
            c = x - per_channel(mean, x) if need_w else None  # dweight needs x - mean
        keep_c = need_w or (training and self.needs_input_grad[0])
        self.save_for_backward(c if keep_c else None, inv_std, weight)
        return out

    def forward_cuda(self, x, weight, bias, running_mean, running_var, training, momentum, eps):
        """A float32/float64 cupy array: batch_norm_cuda.py's kernels. Keeps mean, var and, when a
        backward reads xhat (dweight, or dx in training), x itself."""
        xp = get_array_module(x)
        x = xp.ascontiguousarray(x)
        if weight is not None:  # the kernels read contiguous arrays of x's dtype
            weight, bias = (xp.ascontiguousarray(a, dtype=x.dtype) for a in (weight, bias))
        if training:
            mean, var = batch_norm_cuda.stats(x)
            update_running(running_mean, running_var, mean, var, x.size // x.shape[1], momentum)
        else:
            mean, var = (xp.ascontiguousarray(a, dtype=x.dtype) for a in (running_mean, running_var))
            if any(self.needs_input_grad):  # backward reads them: copies, as a training step changes the running ones
                mean, var = (a.copy() if a is r else a for a, r in ((mean, running_mean), (var, running_var)))
        need_w = weight is not None and any(self.needs_input_grad[1:])
        keep_x = need_w or (training and self.needs_input_grad[0])
        self.cuda, self.training, self.eps = True, training, eps
        self.save_for_backward(x if keep_x else None, mean, var, weight)
        return batch_norm_cuda.normalize(x, mean, var, eps, weight, bias)

    def backward_cuda(self, grad, needs):
        """One reduction kernel (dbias, dweight: when x was kept) and one kernel for dx."""
        x, mean, var, weight = self.saved
        grad = get_array_module(grad).ascontiguousarray(grad, dtype=(x if x is not None else mean).dtype)
        gw = gb = gx = None
        sums = batch_norm_cuda.sums(grad, x, mean, var, self.eps) if x is not None else None
        if sums is not None:
            gb, gw = sums
        if needs[0]:
            gx = batch_norm_cuda.input_grad(grad, x, mean, var, self.eps, weight, sums, self.training)
        return wanted(needs, weight, gx, gw, gb)

    def backward(self, grad):
        needs = self.needs_input_grad + (False, False)
        if self.cuda:
            return self.backward_cuda(grad, needs)
        if self.threaded:
            c, inv_std, weight = self.saved
            gx, gw, gb = batch_norm_cpu.backward(np.ascontiguousarray(grad), c, inv_std, weight,
                                                 self.training, c is not None, self.drift)
            return wanted(needs, weight, gx, gw, gb)
        c, inv_std, weight = self.saved  # c = x - mean, so xhat = c * inv_std
        gx = gw = gb = None
        if c is not None:  # sums over each channel: dbias and dweight (sum(grad * xhat)), and what dx needs
            gb = channel_sums(grad)
            gc = channel_sums(grad, c)
            if self.drift is not None:  # c - drift is exactly centred (batch_norm_cpu.backward says why)
                gc = (gc - self.drift * gb).astype(grad.dtype)
            gw = gc * inv_std
        scale = inv_std * weight if weight is not None else inv_std  # d out / d x, per channel, at fixed stats
        if needs[0]:
            if self.training:  # dx = (grad - mean(grad) - xhat * mean(grad * xhat)) * scale, in PyTorch's order
                k_c = gw * inv_std / self.count
                gx = grad - per_channel(gb / self.count - self.drift * k_c, grad)  # (c - drift) * k_c
                gx -= c * per_channel(k_c, grad)
            else:
                gx = grad.copy()
            batch_norm_cpu.times_scale(gx, inv_std, weight, scale)
        return wanted(needs, weight, gx, gw, gb)


def update_running(running_mean, running_var, mean, var, n, momentum):
    """Move the running estimates towards the batch's, in place (n values per channel)."""
    if running_mean is not None:
        running_mean *= 1 - momentum
        running_mean += momentum * mean
    if running_var is not None:  # the unbiased variance is the running estimate, as PyTorch
        running_var *= 1 - momentum
        running_var += momentum * n / (n - 1) * var


def wanted(needs, weight, gx, gw, gb):
    """The gradients backward returns: one per input, None where none is wanted."""
    gx = gx if needs[0] else None
    if weight is None:
        return (gx,)
    return gx, (gw if needs[1] else None), (gb if needs[2] else None)
