"""The p-norm distance between every pair of rows of a matrix (`F.pdist`): the reference op.

For an (N, M) input x and each pair i < j (in the order (0, 1), (0, 2), ..., (1, 2), ...),
out = ||x_i - x_j||_p, computed as PyTorch's kernel does, without rescaling (so float32 squares
of 1e30 overflow to inf, as there):

    p = 0    the number of coordinates that differ          d/dx = 0
    p = 1    sum |d|                                         sign(d)
    p = 2    sqrt(sum d^2)                                   d / dist
    p = inf  max |d|                                         sign(d) where |d| = dist
    else     (sum |d|^p)^(1/p)                               d |d|^(p-2) / dist^(p-1)  (p < 2: sign(d) |d|^(p-1) / ...)

with d = x_i - x_j; the gradient is 0 where dist is 0. Row i receives +grad * d/dx from each
pair (i, j) and row j its negative.
"""
import math

import numpy as np

from ..autograd import Function
from ..array_module import get_array_module, scatter_add


def _pair_gradient(xp, d, grad, dist, p):
    """grad * d(dist)/d(d) for each pair's difference d (pairs on axis 0), as PyTorch's pdist_backward."""
    grad, dist = grad[:, None], dist[:, None]
    if p == 0:
        return xp.zeros_like(d)
    if p == 1:
        return grad * xp.sign(d)
    if p == math.inf:
        return grad * xp.sign(d) * (xp.abs(d) == dist)
    if p == 2:
        out = grad * d / dist
    elif p < 2:
        out = xp.sign(d) * xp.abs(d) ** (p - 1) * grad / dist ** (p - 1)
        out = xp.where((d == 0) & (p < 1), 0, out)
    else:
        out = d * xp.abs(d) ** (p - 2) * grad / dist ** (p - 1)
    return xp.where(dist == 0, 0, out)


class Pdist(Function):
    """x (N, M) -> the N (N - 1) / 2 distances of its row pairs; the maths in the module docstring."""

    def forward(self, x, p=2.0):
        xp = get_array_module(x)
        self.p, self.n = p, x.shape[0]
        first, second = (xp.asarray(i) for i in np.triu_indices(x.shape[0], 1))
        d = x[first] - x[second]
        a = xp.abs(d)
        if p == 0:
            dist = (a != 0).sum(axis=1).astype(x.dtype)
        elif p == 1:
            dist = a.sum(axis=1)
        elif p == 2:
            dist = xp.sqrt((a * a).sum(axis=1))
        elif p == math.inf:
            dist = a.max(axis=1) if a.shape[1] else xp.zeros(a.shape[0], a.dtype)
        else:
            dist = (a ** p).sum(axis=1) ** (1 / p)
        self.save_for_backward(d, dist)
        self.first, self.second = first, second
        return dist.astype(x.dtype, copy=False)

    def backward(self, grad):
        d, dist = self.saved
        xp = get_array_module(grad)
        pair = _pair_gradient(xp, d, grad, dist, self.p).astype(grad.dtype, copy=False)
        dx = xp.zeros((self.n, d.shape[1]), dtype=grad.dtype)
        scatter_add(dx, self.first, pair)
        scatter_add(dx, self.second, -pair)
        return dx
