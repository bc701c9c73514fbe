"""Batch normalisation, the reference version: the lecture's formulas, forward and backward.

Per channel c, over the batch (and the pixels):
    training:  mean, var = the batch's mean and (biased) variance of channel c
    eval:      mean, var = running_mean[c], running_var[c]
    xhat = (x - mean) / sqrt(var + eps);   out = weight * xhat + bias
(computed, as PyTorch computes it, as the affine map x * scale + shift of each channel,
scale = weight / sqrt(var + eps) and shift = bias - mean * scale). Training also moves the
running estimates towards the batch's (momentum 0.1):
    running_mean = (1 - momentum) * running_mean + momentum * mean
    running_var  = (1 - momentum) * running_var  + momentum * var * m / (m - 1)
(the unbiased variance, as PyTorch; m values per channel).

Backward, with s = weight / sqrt(var + eps) and means taken per channel:
    dbias = sum(grad);   dweight = sum(grad * xhat)
    eval:      dx = s * grad                (a fixed per-channel affine map)
    training:  dx = (grad - mean(grad) - xhat * mean(grad * xhat)) * s
(the batch mean and variance depend on every x of the channel too). The eval backward is
what a model in eval mode needs when it is differentiated (a gradient through fixed statistics);
fastai's frozen body needs no backward at all: its parameters do not require a gradient.

The output keeps x's dtype even when the running statistics are float64 (PyTorch's
CPU refuses that mix; minigrad computes in x's dtype). ops/fast/normalization.py
computes the same numbers with fewer passes and less memory.
"""
from ..array_module import get_array_module
from ..autograd import Function
from ..size import Size


def channel_axes(x):
    """Reduce over everything but channels: (0,) for (N, C), (0, 2, 3) for (N, C, H, W)."""
    return (0,) + tuple(range(2, x.ndim))


def per_channel(v, x):
    """Shape a (C,) vector to broadcast against x's channel dimension, in x's dtype."""
    return v.reshape((1, -1) + (1,) * (x.ndim - 2)).astype(x.dtype, copy=False)


class BatchNorm(Function):
    backward_name = "NativeBatchNormBackward0"  # PyTorch's name of this node
    op = "batch_norm"

    def forward(self, x, weight=None, bias=None, running_mean=None, running_var=None,
                training=False, momentum=0.1, eps=1e-5):
        check_batch_norm(x, weight, bias, running_mean, running_var, training)
        axes, m = channel_axes(x), x.size // x.shape[1]
        if training:
            # in float64: float32 sums over a channel of values near 1000 lose a spread of 0.01
            mean, var = x.mean(axis=axes, dtype="float64"), x.var(axis=axes, dtype="float64")
            if running_mean is not None:
                running_mean[...] = (1 - momentum) * running_mean + momentum * mean
            if running_var is not None:
                running_var[...] = (1 - momentum) * running_var + momentum * var * m / (m - 1)
        else:
            mean, var = running_mean, running_var
        inv_std = 1 / get_array_module(x).sqrt(per_channel(var, x) + eps)
        xhat = (x - per_channel(mean, x)) * inv_std
        # out = weight * xhat + bias is, per channel, the affine map x * scale + shift; PyTorch applies
        # it in that form, which decides where an inf weight meets an inf product (NaN, not inf)
        scale = inv_std * per_channel(weight, x) if weight is not None else inv_std
        shift = -per_channel(mean, x) * scale
        if bias is not None:
            shift = shift + per_channel(bias, x)
        self.axes, self.m, self.training = axes, m, training
        self.save_for_backward(xhat, inv_std, weight)
        return x * scale + shift

    def backward(self, grad):
        xhat, inv_std, weight = self.saved
        dbias, dweight = grad.sum(axis=self.axes), (grad * xhat).sum(axis=self.axes)
        w = per_channel(weight, grad) if weight is not None else 1
        if self.training:  # the bracket first, then 1/std, then the weight, as PyTorch: a huge weight can't overflow early
            dx = (grad - per_channel(dbias, grad) / self.m - xhat * per_channel(dweight, grad) / self.m) * inv_std * w
        else:
            dx = grad * inv_std * w
        return (dx,) if weight is None else (dx, dweight, dbias)


def check_batch_norm(x, weight, bias, running_mean, running_var, training):
    """PyTorch's refusals, with its exception types and words: any input of 2 or more dimensions
    (batch, channels, ...) and per-channel vectors of the channels' length."""
    if x.ndim < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of [-{max(x.ndim, 1)}, {max(x.ndim, 1) - 1}],"
                         f" but got 1)")
    c = x.shape[1]
    for what, v in (("weight", weight), ("bias", bias), ("running_mean", running_mean), ("running_var", running_var)):
        if v is not None and v.size != c:
            raise RuntimeError(f"{what} should contain {c} elements not {v.size}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError("running_mean must be defined in evaluation mode")
    if training and x.size // c < 2:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {Size(x.shape)}")
