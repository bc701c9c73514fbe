"""Matrix products: `a @ b` and the linear layer `x @ W.T + b`.

For out = a @ b, the chain rule gives da = grad @ b^T and db = a^T @ grad:
two more matrix products. Each input is kept only if the other one needs a
gradient (with the weights frozen, x need not be kept at all). A small product runs on
one BLAS thread (blas.py says why).
"""
from .arithmetic import unbroadcast
from .blas import small_product
from ..autograd import Function


def _swap(x):
    return x.swapaxes(-1, -2)


class MatMul(Function):
    name = "matmul"

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError("matmul: both operands need at least one dimension; use * for scalars")
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            raise ValueError(
                f"matmul: cannot multiply shapes {tuple(a.shape)} and {tuple(b.shape)}: the last dimension "
                f"of the first ({a.shape[-1]}) must equal the {'first' if b.ndim == 1 else 'second-to-last'} "
                f"dimension of the second ({b.shape[0 if b.ndim == 1 else -2]})")
        self.a_shape, self.b_shape = a.shape, b.shape
        # a vector is a 1-row (a) or 1-column (b) matrix; this keeps backward uniform
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(b2 if need_a else None, a2 if need_b else None)
        self.work = max(a2.size * b2.shape[-1], b2.size * a2.shape[-2])  # multiply-adds, about
        with small_product(self.work):
            out = a2 @ b2
        self.out_shape = out.shape
        if b.ndim == 1:
            out = out[..., 0]
        if a.ndim == 1:
            out = out[..., 0, :] if b.ndim > 1 else out[..., 0]
        return out

    def backward(self, grad):
        b2, a2 = self.saved
        grad = grad.reshape(self.out_shape)
        with small_product(self.work):
            ga = unbroadcast(grad @ _swap(b2), _promoted(self.a_shape, 0)).reshape(self.a_shape) if b2 is not None else None
            gb = unbroadcast(_swap(a2) @ grad, _promoted(self.b_shape, 1)).reshape(self.b_shape) if a2 is not None else None
        return ga, gb


def _promoted(shape, which):
    if len(shape) != 1:
        return shape
    return (1, shape[0]) if which == 0 else (shape[0], 1)


class Linear(Function):
    """out = x @ W^T + b, with W of shape (out_features, in_features) as in PyTorch.
    dx = grad @ W, dW = grad^T @ x, db = sum of grad over the batch."""
    name = "linear"

    def forward(self, x, weight, bias=None):
        if x.shape[-1] != weight.shape[1]:
            raise ValueError(
                f"linear: input has {x.shape[-1]} features (shape {tuple(x.shape)}) but the weight "
                f"{tuple(weight.shape)} expects {weight.shape[1]}")
        need_x, need_w = self.needs_input_grad[:2]
        self.save_for_backward(weight if need_x else None, x if need_w else None)
        self.work = x.size * weight.shape[0]  # multiply-adds
        with small_product(self.work):
            out = x @ weight.T
        if bias is not None:
            out += bias
        return out

    def backward(self, grad):
        weight, x = self.saved
        with small_product(self.work):
            gx = grad @ weight if weight is not None else None
            gw = grad.reshape(-1, grad.shape[-1]).T @ x.reshape(-1, x.shape[-1]) if x is not None else None
        if len(self.needs_input_grad) == 3 and self.needs_input_grad[2]:
            return gx, gw, grad.reshape(-1, grad.shape[-1]).sum(axis=0)
        return gx, gw
