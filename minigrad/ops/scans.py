"""Scans beside cumsum (reductions.py): cumprod and logcumsumexp along one dimension, and the
running maximum that cummax and cummin are made of.

A scan without a numpy/cupy routine of its own (a running maximum, a running log-sum-exp) is
done in log2(n) whole-array steps (Hillis and Steele): after the step that looks `shift`
places back, each element has combined the 2 * shift elements ending at it.

cumprod's gradient, dx_j = sum_{i >= j} grad_i out_i / x_j, divides by x_j, so it is taken
apart at the first zero z of each row: before z that formula holds (out_i = 0 from z on), at z
dx_z = sum_{i >= z} grad_i prod_{k <= i, k != z} x_k, the cumprod of x with x_z set to 1, and
after z nothing (every product there holds x_z = 0). That is exact through any zeros.
"""
from ..autograd import Function
from ..array_module import get_array_module
from .layout import row_major


def inclusive_scan(combine, x, axis):
    """out_i = x_0 (+) x_1 (+) ... (+) x_i along `axis`, for an associative `combine` = (+)."""
    xp = get_array_module(x)
    x = xp.moveaxis(x, axis, -1)
    shift = 1
    while shift < x.shape[-1]:
        x = xp.concatenate([x[..., :shift], combine(x[..., :-shift], x[..., shift:])], axis=-1)
        shift *= 2
    out = xp.moveaxis(x, -1, axis)
    return out if shift > 1 else out.copy()  # a scan of one element is that element, in a new array


def reverse_cumsum(xp, x, axis):
    """out_j = sum_{i >= j} x_i."""
    return xp.flip(xp.cumsum(xp.flip(x, axis), axis=axis), axis)


class Cumprod(Function):
    """out_i = prod_{j <= i} x_j along `dim`;  dx as in the module docstring (exact through zeros)."""
    def forward(self, x, dim):
        self.dim = dim
        out = row_major(get_array_module(x).cumprod(x, axis=dim))  # row-major, as PyTorch's
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved
        xp, dim = get_array_module(grad), self.dim
        if x.ndim == 0 or x.shape[dim] == 1:  # out = x: the gradient passes unchanged (inf / inf is no NaN)
            return grad
        zero = x == 0
        seen = xp.cumsum(zero, axis=dim)  # how many zeros up to and including each place
        before, first = seen == 0, zero & (seen == 1)
        safe_x = xp.where(before, x, 1)
        dx = xp.where(before, reverse_cumsum(xp, grad * out, dim) / safe_x, 0)
        if first.any():
            with_one = xp.cumprod(xp.where(first, 1, x), axis=dim)  # x_z set to 1
            dx = dx + xp.where(first, reverse_cumsum(xp, grad * with_one, dim), 0)
        return dx.astype(grad.dtype, copy=False)


class Logcumsumexp(Function):
    """out_i = log sum_{j <= i} e^{x_j}, scanned with logaddexp (no overflow, no underflow);
    dx_j = sum_{i >= j} grad_i e^{x_j - out_i}, summed in log space (positive and negative
    parts of grad apart) as PyTorch does, so it neither overflows."""
    def forward(self, x, dim):
        xp = get_array_module(x)
        self.dim = dim
        out = row_major(inclusive_scan(xp.logaddexp, x, dim))
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved
        xp, dim = get_array_module(grad), self.dim
        lowest = xp.finfo(grad.dtype).min
        log_abs = xp.log(abs(grad))

        def part(sign):  # sum_{i >= j} |grad_i| e^{x_j - out_i} over the grad_i of one sign
            log_grad = xp.where(grad * sign > 0, log_abs, lowest)
            reversed_scan = xp.flip(inclusive_scan(xp.logaddexp, xp.flip(log_grad - out, dim), dim), dim)
            return xp.exp(reversed_scan + x)

        return (part(1) - part(-1)).astype(grad.dtype, copy=False)
