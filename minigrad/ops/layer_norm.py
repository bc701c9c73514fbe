"""Layer and group normalisation (Ba et al. 2016; Wu & He 2018): each sample normalised with its own
statistics rather than the batch's, so they behave the same in training and evaluation.

Both normalise rows: layer norm each of the M rows of N values spanning normalized_shape (the last
dimensions), group norm each (sample, group) row of C/G channels x H x W values. Per row, mean and
the biased var from ops/moments.py, rstd = 1 / sqrt(var + eps), and, as PyTorch writes them:

    layer norm:  out = (x - mean) * rstd * weight + bias          (weight, bias: one per row position)
    group norm:  out = x * scale + shift,  scale = rstd * weight[c],  shift = bias[c] - mean * scale

Backward, PyTorch's closed form, with g = grad * weight and sums over each row's N values:

    dx = rstd * g + b * x + c,   b = (sum(g) * mean - sum(g * x)) * rstd^3 / N,   c = -b * mean - sum(g) * rstd / N
    dweight = sum over rows of grad * (x - mean) * rstd,   dbias = sum over rows of grad

the familiar dx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with xhat = (x - mean) * rstd expanded,
so that nothing of the size of x but x itself is kept. The order of the products is PyTorch's: it
decides where an inf weight or a huge value gives NaN rather than inf.
"""
import math

from ..array_module import get_array_module
from ..autograd import Function
from .moments import row_moments


def _statistics(rows, eps):
    """Each row's mean and rstd = 1 / sqrt(max(var, 0) + eps), in the rows' dtype."""
    xp = get_array_module(rows)
    if rows.size == 0:  # no rows, or rows of nothing: nothing to normalise
        empty = xp.zeros(rows.shape[0], dtype=rows.dtype)
        return empty, empty
    mean, var = row_moments(rows)
    return mean, 1 / xp.sqrt(xp.maximum(var, 0) + rows.dtype.type(eps))


def _input_gradient(rstd_g, rows, mean, rstd, g_sum, gx_sum):
    """dx = rstd * g + b * x + c for rows (..., N) with statistics (...), given rstd * g (g = grad * weight)
    and the row sums of g and g * x."""
    t = rows.dtype.type
    scale = t(1) / t(rows.shape[-1]) if rows.shape[-1] else t(0)
    b = (g_sum * mean - gx_sum) * rstd * rstd * rstd * scale
    c = -b * mean - g_sum * rstd * scale
    return rstd_g + b[..., None] * rows + c[..., None]


class NativeLayerNorm(Function):
    """Normalise the last `dims` dimensions of x (module docstring); weight and bias may be None."""
    backward_name = "NativeLayerNormBackward0"  # PyTorch's name of this node
    op = "layer_norm"

    def forward(self, x, weight=None, bias=None, dims=1, eps=1e-5):
        rows = x.reshape(math.prod(x.shape[:x.ndim - dims]), math.prod(x.shape[x.ndim - dims:]))
        mean, rstd = _statistics(rows, eps)
        out = (rows - mean[:, None]) * rstd[:, None]
        if weight is not None:
            out = out * weight.reshape(-1)
        if bias is not None:
            out = out + bias.reshape(-1)
        self.save_for_backward(rows, mean, rstd, weight)
        self.shapes = x.shape, None if bias is None else bias.shape
        return out.reshape(x.shape)

    def backward(self, grad):
        rows, mean, rstd, weight = self.saved
        x_shape, bias_shape = self.shapes
        grad = grad.reshape(rows.shape)
        g = grad if weight is None else grad * weight.reshape(-1)
        rstd_g = grad * rstd[:, None] if weight is None else grad * rstd[:, None] * weight.reshape(-1)
        dx = _input_gradient(rstd_g, rows, mean, rstd, g.sum(axis=1), (g * rows).sum(axis=1)).reshape(x_shape)
        dweight = None if weight is None or not self.needs_input_grad[1] else (
            (grad * (rows - mean[:, None]) * rstd[:, None]).sum(axis=0).reshape(weight.shape))
        dbias = None if bias_shape is None else grad.sum(axis=0).reshape(bias_shape)
        return dx, dweight, dbias


class NativeGroupNorm(Function):
    """Normalise each sample's channels in `groups` groups (module docstring); weight, bias: (C,) or None."""
    backward_name = "NativeGroupNormBackward0"  # PyTorch's name of this node
    op = "group_norm"

    def forward(self, x, weight=None, bias=None, groups=1, eps=1e-5):
        n, c = x.shape[:2]
        per, pixels = c // groups, math.prod(x.shape[2:])
        mean, rstd = _statistics(x.reshape(n * groups, per * pixels), eps)
        mean, rstd = mean.reshape(n, groups, 1), rstd.reshape(n, groups, 1)
        scale = rstd if weight is None else rstd * weight.reshape(1, groups, per)  # per (sample, channel)
        shift = -scale * mean
        if bias is not None:
            shift = shift + bias.reshape(1, groups, per)
        xs = x.reshape(n, groups, per, pixels)
        self.save_for_backward(xs, mean[..., 0], rstd[..., 0], weight)
        self.shapes = x.shape, None if bias is None else bias.shape
        return (xs * scale[..., None] + shift[..., None]).reshape(x.shape)

    def backward(self, grad):
        xs, mean, rstd, weight = self.saved
        x_shape, bias_shape = self.shapes
        n, groups, per, pixels = xs.shape
        grad = grad.reshape(xs.shape)
        gx_sum, g_sum = (grad * xs).sum(axis=3), grad.sum(axis=3)  # per (sample, channel)
        w = 1 if weight is None else weight.reshape(1, groups, per)
        rstd_g = (rstd[..., None] * w)[..., None] * grad  # (rstd * weight[c]) * grad, per channel
        rows = xs.reshape(n, groups, per * pixels)
        dx = _input_gradient(rstd_g.reshape(rows.shape), rows, mean, rstd, (g_sum * w).sum(axis=2),
                             (gx_sum * w).sum(axis=2))
        dweight = None if weight is None else (
            ((gx_sum - g_sum * mean[..., None]) * rstd[..., None]).sum(axis=0).reshape(weight.shape))
        dbias = None if bias_shape is None else g_sum.sum(axis=0).reshape(bias_shape)
        return dx.reshape(x_shape), dweight, dbias
