"""The bilinear map of `F.bilinear`: out[b, k] = sum_ij x1[b, i] W[k, i, j] x2[b, j], one bilinear
form per output feature k, for a batch of vector pairs (x1[b], x2[b]).

Each of the three sums is done in two steps, in the order PyTorch's _trilinear does them, so
that where inputs hold inf or overflow (inf - inf) NaN appears where PyTorch's does:

    forward  t[b, k, j] = sum_i x1[b, i] W[k, i, j];         out[b, k] = sum_j t[b, k, j] x2[b, j]
    dx1      u[b, k, i, j] = g[b, k] W[k, i, j];             dx1[b, i] = sum_kj u[b, k, i, j] x2[b, j]
    dW       v[b, k, i] = x1[b, i] g[b, k];                  dW[k, i, j] = sum_b v[b, k, i] x2[b, j]
    dx2      t as above;                                     dx2[b, j] = sum_k t[b, k, j] g[b, k]
"""
from ..autograd import Function
from ..array_module import get_array_module


class BilinearForm(Function):
    """x1 (B, I), x2 (B, J), W (K, I, J) -> (B, K); the maths in the module docstring."""
    op = "bilinear"

    def forward(self, x1, weight, x2):
        xp = get_array_module(x1, weight, x2)
        # contiguous copies: numpy's einsum takes a shortcut over a stride-0 (expanded) operand, summing
        # before multiplying, which changes where an overflow gives inf or NaN
        x1, weight, x2 = (xp.ascontiguousarray(a) for a in (x1, weight, x2))
        self.save_for_backward(x1, weight, x2)
        t = xp.einsum("bi,kij->bkj", x1, weight)
        return xp.ascontiguousarray(xp.einsum("bkj,bj->bk", t, x2))

    def backward(self, grad):
        x1, weight, x2 = self.saved
        xp = get_array_module(grad)
        grad = xp.ascontiguousarray(grad)
        need1, need_w, need2 = self.needs_input_grad
        dx1 = xp.einsum("bkij,bj->bi", grad[:, :, None, None] * weight, x2) if need1 else None
        dw = xp.einsum("bki,bj->kij", x1[:, None, :] * grad[:, :, None], x2) if need_w else None
        dx2 = xp.einsum("bkj,bk->bj", xp.einsum("bi,kij->bkj", x1, weight), grad) if need2 else None
        return dx1, dw, dx2
