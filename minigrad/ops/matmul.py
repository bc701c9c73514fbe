"""Matrix products: `a @ b` (MatMul) and the linear layer's `x @ W.T + b` (Affine).

For out = a @ b, the chain rule gives da = grad @ b^T and db = a^T @ grad:
two more matrix products. Each input is kept only if the other one needs a
gradient (with the weights frozen, x need not be kept at all). This is the version to
read; ops/fast/matmul.py runs the same products with BLAS's thread count tuned for speed.
"""
import math

import numpy as np

from .arithmetic import unbroadcast
from .broadcast_errors import ShapeError
from ..autograd import Function


def _swap(x):
    return x.swapaxes(-1, -2)


class MatMul(Function):
    """out = a @ b (numpy's matmul: vectors, matrices and broadcast batches of matrices);
    da = grad @ b^T, db = a^T @ grad, each summed down to its input's shape where it was broadcast."""
    backward_name = "MmBackward0"  # PyTorch's name of this node
    op = "matmul"

    def forward(self, a, b):
        if a.ndim == 0 or b.ndim == 0:
            raise ShapeError("matmul: both operands need at least one dimension; use * for scalars")
        if a.shape[-1] != b.shape[0 if b.ndim == 1 else -2]:
            raise ShapeError(
                f"matmul: cannot multiply shapes {tuple(a.shape)} and {tuple(b.shape)}: the last dimension "
                f"of the first ({a.shape[-1]}) must equal the {'first' if b.ndim == 1 else 'second-to-last'} "
                f"dimension of the second ({b.shape[0 if b.ndim == 1 else -2]})")
        self.a_shape, self.b_shape = a.shape, b.shape
        if b.ndim == 1 and a.ndim <= 2:  # PyTorch's nodes for vector products (matrices: MmBackward0)
            self.backward_name = "DotBackward0" if a.ndim == 1 else "MvBackward0"
        # a vector is a 1-row (a) or 1-column (b) matrix; this keeps backward uniform
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(b2 if need_a else None, a2 if need_b else None)
        out = product(a2, b2)
        self.out_shape = out.shape
        if b.ndim == 1:
            out = out[..., 0]
        if a.ndim == 1:
            out = out[..., 0, :] if b.ndim > 1 else out[..., 0]
        return out

    def backward(self, grad):
        b2, a2 = self.saved
        grad = grad.reshape(self.out_shape)
        ga = unbroadcast(product(grad, _swap(b2)), _promoted(self.a_shape, 0)).reshape(self.a_shape) \
            if b2 is not None else None  # da = grad @ b^T
        gb = unbroadcast(product(_swap(a2), grad), _promoted(self.b_shape, 1)).reshape(self.b_shape) \
            if a2 is not None else None  # db = a^T @ grad
        return ga, gb


def _promoted(shape, which):
    if len(shape) != 1:
        return shape
    return (1, shape[0]) if which == 0 else (shape[0], 1)


class Affine(Function):
    """The linear layer's map (F.linear; the layer is nn.Linear): out = x @ W^T + b, with W of shape
    (out_features, in_features) as in PyTorch, x of any number of dims >= 1 (a vector gives a vector),
    b broadcast to out (usually (out_features,)).
    dx = grad @ W, dW = grad^T @ x, db = grad summed down to b's shape (over the batch)."""
    backward_name = "AddmmBackward0"  # PyTorch's name of this node
    op = "linear"

    def forward(self, x, weight, bias=None):
        if x.ndim == 0 or weight.ndim != 2:
            raise RuntimeError(f"linear: the input needs at least 1 dimension and the weight 2, but they are "
                               f"{x.ndim}-D and {weight.ndim}-D")
        if x.dtype.kind == "b":
            raise NotImplementedError("linear: not implemented for 'Bool' tensors: convert first, e.g. x.float()")
        if x.shape[-1] != weight.shape[1]:
            raise ShapeError(
                f"linear: input has {x.shape[-1]} features (shape {tuple(x.shape)}) but the weight "
                f"{tuple(weight.shape)} expects {weight.shape[1]}")
        need_x, need_w = self.needs_input_grad[:2]
        self.save_for_backward(weight if need_x else None, x if need_w else None)
        out = product(x, weight.T)
        if bias is not None:
            self.bias_shape = bias.shape
            if bias.shape != out.shape[-1:] and broadcast_shapes(out.shape, bias.shape) != out.shape:
                raise RuntimeError(f"linear: the bias of shape {tuple(bias.shape)} does not broadcast to the "
                                   f"output's shape {tuple(out.shape)}")
            out += bias
        return out

    def backward(self, grad):
        weight, x = self.saved
        gx = product(grad, weight) if weight is not None else None  # dx = grad @ W
        rows = math.prod(grad.shape[:-1])  # not -1: numpy cannot infer it when a dimension is 0
        gw = product(grad.reshape(rows, grad.shape[-1]).T, x.reshape(rows, x.shape[-1])) if x is not None else None
        if len(self.needs_input_grad) == 3 and self.needs_input_grad[2]:
            return gx, gw, unbroadcast(grad, self.bias_shape)
        return gx, gw


def broadcast_shapes(*shapes):
    """numpy's broadcast shape, or None where the shapes do not broadcast."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def product(a, b):
    """a @ b (the idea), with PyTorch's CPU answer where an entry comes out inf or NaN: fidelity at
    float's edges, which a first reading may skip. numpy's BLAS fuses each multiply into its add: with inf in a row, [-inf, 3e38] @ [-1, -2] is inf + -6e38 = inf there,
    while PyTorch's CPU kernels (for the products of its small matrices, all that a test holds)
    round each product first: 3e38 * -2 overflows to -inf, and inf + -inf is NaN. Those entries are
    summed again, one rounded product at a time; a finite output is never touched, and checking for
    one costs one pass over the output, little next to the product itself. On the GPU both
    libraries' kernels fuse, so a cupy product is left as it is."""
    out = a @ b
    if type(out) is not np.ndarray or out.dtype.kind != "f" or out.ndim < 2 or np.isfinite(out).all():
        return out
    *batch, i, j = np.nonzero(~np.isfinite(out))
    rows = np.broadcast_to(a, out.shape[:-2] + a.shape[-2:])[(*batch, i)]  # (entries, K)
    cols = _swap(np.broadcast_to(b, out.shape[:-2] + b.shape[-2:]))[(*batch, j)]
    out[(*batch, i, j)] = np.cumsum(rows * cols, axis=1)[:, -1]  # added in order, as a loop adds them
    return out
