"""Batch normalisation, in training mode (batch statistics) and eval mode
(running statistics), both fully differentiable.

Training:  xhat = (x - mean_batch) / sqrt(var_batch + eps);  out = weight * xhat + bias,
and the running estimates move towards the batch's:
    running_mean = (1 - momentum) * running_mean + momentum * mean_batch
    running_var  = (1 - momentum) * running_var  + momentum * var_batch * n / (n - 1)
(the unbiased variance, as PyTorch). Eval: the same with the running statistics,
which makes it a fixed per-channel affine map; its backward is what lets a
frozen network (fastai's frozen body) still pass gradients through.

Only xhat (for dweight and the training-mode dx) and 1/std are kept.
"""
from ..backend import get_array_module
from ..tensor import Function


def _channel_axes(x):
    """Reduce over everything but channels: (0,) for (N, C), (0, 2, 3) for (N, C, H, W)."""
    return (0,) + tuple(range(2, x.ndim))


def _per_channel(v, x):
    """Shape a (C,) vector to broadcast against x's channel dimension."""
    return v.reshape((1, -1) + (1,) * (x.ndim - 2))


class BatchNorm(Function):
    name = "batch_norm"

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        if x.ndim not in (2, 3, 4):
            raise ValueError(f"batch_norm: expected a 2-D, 3-D or 4-D input (batch, channels, ...), got shape {tuple(x.shape)}")
        c = x.shape[1]
        for what, v in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
            if v is not None and v.shape != (c,):
                raise ValueError(f"batch_norm: input has {c} channels (shape {tuple(x.shape)}) but {what} has shape {tuple(v.shape)}")
        xp = get_array_module(x)
        axes = _channel_axes(x)
        self.axes, self.training, self.count = axes, training, x.size // c
        if training:
            if self.count < 2:
                raise ValueError(f"batch_norm: training needs more than one value per channel, got input shape {tuple(x.shape)}")
            mean = x.mean(axis=axes)
            centered = x - _per_channel(mean, x)
            var = (centered * centered).mean(axis=axes)  # the biased variance normalises
            n = self.count
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += momentum * mean
            if running_var is not None:  # the unbiased one is the running estimate, as PyTorch
                running_var *= 1 - momentum
                running_var += momentum * n / (n - 1) * var
        else:
            if running_mean is None or running_var is None:
                raise ValueError("batch_norm: eval mode (training=False) needs running_mean and running_var")
            var = running_var
            centered = x - _per_channel(running_mean, x)
        inv_std = 1 / xp.sqrt(var + eps)
        xhat = centered
        xhat *= _per_channel(inv_std, x)  # in place: centered is ours
        out = xhat * _per_channel(weight, x) if weight is not None else xhat.copy()
        if bias is not None:
            out += _per_channel(bias, x)
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
            gx = grad * _per_channel(scale, grad)
            if self.training:
                # the batch mean and variance depend on every x of the channel too:
                # dx = scale * (grad - mean(grad) - xhat * mean(grad * xhat))
                gx -= _per_channel(scale * gb / self.count, grad)
                gx -= xhat * _per_channel(scale * gw / self.count, grad)
        if weight is None:
            return (gx,)
        return gx, (gw if needs[1] else None), (gb if needs[2] else None)
