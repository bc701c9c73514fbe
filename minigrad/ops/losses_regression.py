"""The regression losses: a function of the difference d = input - target, elementwise, then reduced
('mean' divides by the number of elements). mse is d^2, l1 is |d|, and between them smooth_l1 and
huber are quadratic near 0 and linear far away, so one outlier cannot dominate the gradient:

    huber(d; delta)     = d^2 / 2 where |d| < delta, else delta (|d| - delta / 2)
    smooth_l1(d; beta)  = huber(d; beta) / beta

Each gives a gradient to the input and to the target (-f'(d)), as PyTorch.
"""
import warnings

import numpy as np

from ..array_module import device_of, get_array_module
from ..autograd import Function
from .arithmetic import unbroadcast
from .broadcast_errors import broadcast_error
from .loss_checks import as_array, check_reduction, reduce_loss, reduced_grad


class _Difference(Function):
    """A loss of d = input - target, elementwise: loss = f(d), d/dinput = f'(d), d/dtarget = -f'(d).
    Input and target broadcast (with PyTorch's warning when their shapes differ). An optional
    `weight` (the input's shape) multiplies each element; 'mean' then divides by the sum of the
    weights (mse, l1) or by the number of elements (huber), each as PyTorch. The option
    `backward_error` makes backward raise it (PyTorch's huber of mixed float dtypes)."""
    weighted_mean_divides_by_weight = True
    slope_scale = 1  # backward: grad * slope_scale * slope

    def forward(self, x, target, reduction="mean", weight=None, **options):
        check_reduction(self.op, reduction)
        if x.shape != target.shape:
            warnings.warn(f"{self.op}: Using a target size {tuple(target.shape)} that is different to the "
                          f"input size {tuple(x.shape)}. This will likely lead to incorrect results due to "
                          "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=4)
            try:
                np.broadcast_shapes(x.shape, target.shape)
            except ValueError:
                raise broadcast_error(x.shape, target.shape) from None
        d = x - target
        self.options = options
        loss, self.slope = self.f(get_array_module(d), d)
        self.reduction, self.shape, self.x_shape, self.t_shape = reduction, loss.shape, x.shape, target.shape
        if weight is None:
            return reduce_loss(loss, reduction)
        weight = as_array(weight, device_of(x)).astype(x.dtype, copy=False)
        if weight.shape != x.shape:
            raise ValueError(f"{self.op}: Weights and input must have the same size (weight "
                             f"{tuple(weight.shape)}, input {tuple(x.shape)})")
        loss, self.slope = loss * weight, self.slope * weight
        if reduction != "mean" or not self.weighted_mean_divides_by_weight:
            return reduce_loss(loss, reduction)
        self.reduction, self.total = "weighted mean", weight.sum()
        return loss.sum() / self.total

    def backward(self, grad):
        xp = get_array_module(grad)
        if self.reduction == "weighted mean":
            g = xp.broadcast_to(grad / self.total, self.shape)
        else:
            g = reduced_grad(grad, self.shape, self.reduction, xp)
        if self.options.get("backward_error"):
            raise RuntimeError(self.options["backward_error"])
        g = g * self.slope_scale * self.slope
        return unbroadcast(g, self.x_shape), unbroadcast(-g, self.t_shape)


class MSE(_Difference):
    """loss = d^2;  f'(d) = 2d, applied as PyTorch's kernel does: d * (2 * grad), so that a d of
    3e38 (float32) still has a finite gradient where 2d would overflow."""
    op = "mse_loss"
    slope_scale = 2

    def f(self, xp, d):
        return d * d, d


class L1(_Difference):
    """loss = |d|;  f'(d) = sign(d) (0 at d = 0 and at NaN, as PyTorch's sgn)."""
    op = "l1_loss"

    def f(self, xp, d):
        return xp.abs(d), xp.where(d != d, 0, xp.sign(d))


class SmoothL1(_Difference):
    """loss = d^2 / (2 beta) where |d| < beta, else |d| - beta/2 (Huber's, scaled);
    f'(d) = d / beta inside, sign(d) outside. beta = 0 is the L1 loss."""
    op = "smooth_l1_loss"

    def f(self, xp, d):
        beta, a = self.options["beta"], xp.abs(d)
        if beta == 0:  # PyTorch's smooth_l1_loss calls l1_loss: its slope is 0 at a NaN d too
            return a, xp.where(d != d, 0, xp.sign(d))
        inside = a < beta
        return xp.where(inside, 0.5 * d * d / beta, a - 0.5 * beta), xp.where(inside, d / beta, xp.sign(d))


class Huber(_Difference):
    """loss = d^2 / 2 where |d| < delta, else delta (|d| - delta / 2);
    f'(d) = d inside, delta * sign(d) outside (the two agree at |d| = delta). A weighted 'mean'
    divides by the number of elements, as PyTorch's huber_loss."""
    op = "huber_loss"
    weighted_mean_divides_by_weight = False

    def f(self, xp, d):
        delta, a = self.options["delta"], xp.abs(d)
        inside = a < delta
        return (xp.where(inside, 0.5 * d * d, delta * (a - 0.5 * delta)),
                xp.where(inside, d, delta * xp.sign(d)))
