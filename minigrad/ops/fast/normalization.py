"""Batch normalisation, the fast version: the formulas of ops/normalization.py (read that
first) with fewer passes over memory and fewer arrays kept. Same arguments, same results.

- The centred input is normalised in place (one temporary fewer).
- xhat is kept only when a backward needs it: for dweight, or for dx in training; a
  frozen eval-mode layer keeps only 1/std.
"""
from ...backend import get_array_module
from ...tensor import Function
from ..normalization import channel_axes, check_batch_norm, per_channel


class BatchNorm(Function):
    name = "batch_norm"

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        check_batch_norm(x, weight, bias, running_mean, running_var, training)
        xp = get_array_module(x)
        axes = channel_axes(x)
        self.axes, self.training, self.count = axes, training, x.size // x.shape[1]
        if training:
            mean = x.mean(axis=axes)
            centered = x - per_channel(mean, x)
            var = (centered * centered).mean(axis=axes)  # the biased variance normalises
            n = self.count
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
            gb = grad.sum(axis=self.axes)
            gw = (grad * xhat).sum(axis=self.axes)
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
