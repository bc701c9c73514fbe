"""Elementwise arithmetic: + - * / ** and negation, with numpy broadcasting.

When an input was broadcast (a bias of shape (C,) added to (N, C)), its
gradient is the output gradient summed back over the broadcast dimensions:
every copy of the input contributed to the loss. `unbroadcast` does that sum.
"""
import numpy as np

from ..backend import get_array_module
from ..autograd import Function


def unbroadcast(grad, shape):
    """Sum `grad` down to `shape`, undoing numpy broadcasting."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    return grad.sum(axis=axes, keepdims=True).reshape(shape)


class Broadcasting(Function):
    """A binary op on two arrays broadcast together; checks shapes once, clearly."""

    def check_shapes(self, a, b):
        self.a_shape, self.b_shape = a.shape, b.shape
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise ValueError(
                f"{self.op_name()}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast "
                "together: trailing dimensions must be equal or 1 (reshape one of them)") from None


class Add(Broadcasting):
    """out = a + b;  d/da = 1, d/db = 1."""
    def forward(self, a, b, out=None):
        self.check_shapes(a, b)
        return a + b if out is None else get_array_module(out).add(a, b, out=out)  # out: Tensor.add_

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad, self.a_shape) if need_a else None,
                unbroadcast(grad, self.b_shape) if need_b else None)


class Sub(Broadcasting):
    """out = a - b;  d/da = 1, d/db = -1."""
    def forward(self, a, b, out=None):
        self.check_shapes(a, b)
        return a - b if out is None else get_array_module(out).subtract(a, b, out=out)  # out: Tensor.sub_

    def backward(self, grad):
        gb = -unbroadcast(grad, self.b_shape) if self.needs_input_grad[1] else None
        return unbroadcast(grad, self.a_shape) if self.needs_input_grad[0] else None, gb


class Mul(Broadcasting):
    """out = a * b;  d/da = b, d/db = a (each kept only if the other needs a gradient)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(b if need_a else None, a if need_b else None)
        return a * b

    def backward(self, grad):
        b, a = self.saved
        ga = unbroadcast(grad * b, self.a_shape) if b is not None else None
        gb = unbroadcast(grad * a, self.b_shape) if a is not None else None
        return ga, gb


class Div(Broadcasting):
    """out = a / b;  d/da = 1/b, d/db = -a/b^2 = -out/b."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        out = a / b
        self.save_for_backward(b, out if self.needs_input_grad[1] else None)
        return out

    def backward(self, grad):
        b, out = self.saved
        ga = unbroadcast(grad / b, self.a_shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-grad * out / b, self.b_shape) if self.needs_input_grad[1] else None
        return ga, gb


class Pow(Broadcasting):
    """out = a ** b;  d/da = b * a^(b-1), d/db = out * log(a).
    As PyTorch: d/da is 0 where b == 0, and d/db is 0 where a == 0 and b >= 0
    (the limits, where the formulas give 0 * inf = NaN)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        out = a ** b  # 0 ** -1 is inf, silently: Function.apply computes under np.errstate
        self.save_for_backward(a, b, out if self.needs_input_grad[1] else None)
        return out

    def backward(self, grad):
        a, b, out = self.saved
        return self._grads(get_array_module(a), grad, a, b, out)

    def _grads(self, xp, grad, a, b, out):
        ga = gb = None
        if self.needs_input_grad[0]:
            ga = unbroadcast(xp.where(b == 0, 0, grad * b * a ** (b - 1)).astype(grad.dtype, copy=False),
                             self.a_shape)
        if self.needs_input_grad[1]:
            gb = xp.where((a == 0) & (b >= 0), 0, grad * out * xp.log(a)).astype(grad.dtype, copy=False)
            gb = unbroadcast(gb, self.b_shape)
        return ga, gb


class Neg(Function):
    """out = -a;  d/da = -1."""
    def forward(self, a):
        return -a

    def backward(self, grad):
        return -grad
