"""cdist: the p-norm distance between every row of x1 (..., P, M) and every row of x2 (..., R, M),
giving (..., P, R), batch dims broadcast. Computed as PyTorch's direct kernel computes it, from the
differences d = x1_i - x2_j: (sum |d|^p)^(1/p) (so 1e30-sized rows overflow to inf, as there),
max |d| for p = inf, the count of non-zero d for p = 0.

The gradient is PyTorch's, which is 0 where a distance is 0 (the norm has no derivative there):
  d dist / d x1_i = d |d|^(p-2) / dist^(p-1)   (p = 2: d / dist; p = 1: sign(d)),
  p = inf: sign(d) where |d| is the maximum, p = 0: 0;  and d dist / d x2_j is its negative."""
from ..autograd import Function
from ..array_module import get_array_module
from .arithmetic import unbroadcast


class Cdist(Function):
    def forward(self, x1, x2, p=2.0):
        xp = get_array_module(x1)
        d = x1[..., :, None, :] - x2[..., None, :, :]  # (..., P, R, M)
        size = abs(d)
        if p == 0:
            dist = (d != 0).sum(axis=-1).astype(d.dtype)
        elif p == float("inf"):
            dist = size.max(axis=-1) if size.shape[-1] else xp.zeros(size.shape[:-1], size.dtype)
        else:
            dist = (size ** p).sum(axis=-1) ** (1 / p) if p != 1 else size.sum(axis=-1)
        self.p, self.shapes = p, (x1.shape, x2.shape)
        self.save_for_backward(d, dist)
        return xp.ascontiguousarray(dist)

    def backward(self, grad):
        d, dist = self.saved
        xp, p = get_array_module(d), self.p
        g, dist = grad[..., None], dist[..., None]
        if p == 0:
            per = xp.zeros_like(d)
        elif p == 1:
            per = g * xp.sign(d)
        elif p == float("inf"):
            per = g * xp.sign(d) * (abs(d) == dist)
        elif p == 2:
            per = g * d / dist
        else:
            per = g * d * abs(d) ** (p - 2) / dist ** (p - 1)
        per = xp.where(dist == 0, 0, per).astype(d.dtype, copy=False)
        g1, g2 = per.sum(axis=-2), -per.sum(axis=-3)  # over x2's rows, over x1's rows
        need1, need2 = self.needs_input_grad
        return (unbroadcast(g1, self.shapes[0]) if need1 else None,
                unbroadcast(g2, self.shapes[1]) if need2 else None)
