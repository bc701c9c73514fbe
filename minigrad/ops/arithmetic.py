"""Elementwise arithmetic: + - * / ** and negation, with numpy broadcasting (Python's // and %
round, and live with the other rounding divisions in division.py).

When an input was broadcast (a bias of shape (C,) added to (N, C)), its
gradient is the output gradient summed back over the broadcast dimensions:
every copy of the input contributed to the loss. `unbroadcast` does that sum.
"""
import numpy as np

from ..array_module import get_array_module
from ..autograd import Function
from .broadcast_errors import ShapeError
from .layout import elementwise_result as torch_layout, row_major


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
            raise ShapeError(
                f"{self.op_name()}: shapes {tuple(a.shape)} and {tuple(b.shape)} cannot be broadcast "
                "together: trailing dimensions must be equal or 1 (reshape one of them)") from None


class Add(Broadcasting):
    """out = a + b;  d/da = 1, d/db = 1."""
    def forward(self, a, b, out=None):
        self.check_shapes(a, b)
        return torch_layout(a + b, a, b) if out is None else get_array_module(out).add(a, b, out=out)  # add_

    def backward(self, grad):
        need_a, need_b = self.needs_input_grad
        return (unbroadcast(grad, self.a_shape) if need_a else None,
                unbroadcast(grad, self.b_shape) if need_b else None)


class Sub(Broadcasting):
    """out = a - b;  d/da = 1, d/db = -1."""
    def forward(self, a, b, out=None):
        self.check_shapes(a, b)
        if isinstance(a, (np.generic, int, float)):  # number - tensor: PyTorch's rsub.Scalar node
            self.backward_name = "RsubBackward1"
        return torch_layout(a - b, a, b) if out is None else get_array_module(out).subtract(a, b, out=out)  # sub_

    def backward(self, grad):
        gb = -unbroadcast(grad, self.b_shape) if self.needs_input_grad[1] else None
        return unbroadcast(grad, self.a_shape) if self.needs_input_grad[0] else None, gb


class Mul(Broadcasting):
    """out = a * b;  d/da = b, d/db = a (each kept only if the other needs a gradient)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        need_a, need_b = self.needs_input_grad
        self.save_for_backward(b if need_a else None, a if need_b else None)
        return torch_layout(a * b, a, b)

    def backward(self, grad):
        b, a = self.saved
        ga = unbroadcast(grad * b, self.a_shape) if b is not None else None
        gb = unbroadcast(grad * a, self.b_shape) if a is not None else None
        return ga, gb


class Div(Broadcasting):
    """out = a / b;  d/da = 1/b, d/db = -a/b^2, computed as PyTorch does: -grad * ((a / b) / b),
    from a and b (so, as there, an in-place change to out afterwards is no error)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        self.save_for_backward(b, a if self.needs_input_grad[1] else None)
        return torch_layout(a / b, a, b)

    def backward(self, grad):
        b, a = self.saved
        ga = unbroadcast(grad / b, self.a_shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(-grad * ((a / b) / b), self.b_shape) if self.needs_input_grad[1] else None
        return ga, gb


class Reciprocal(Function):
    """out = 1 / x;  dx = -grad * out^2 (PyTorch's formula: only out is kept)."""
    def forward(self, x):
        out = 1 / x
        self.save_for_backward(out)
        return out.astype(x.dtype, copy=False)

    def backward(self, grad):
        out = self.saved[0]
        return -grad * (out * out)


class Pow(Broadcasting):
    """out = a ** b;  d/da = b * a^(b-1), d/db = out * log(a).
    As PyTorch: d/da is 0 where b == 0, and d/db is 0 where a == 0 and b >= 0
    (the limits, where the formulas give 0 * inf = NaN)."""
    def forward(self, a, b):
        self.check_shapes(a, b)
        number = (np.generic, int, float)  # PyTorch's nodes: tensor ** number, tensor ** tensor, number ** tensor
        self.backward_name = ("PowBackward0" if isinstance(b, number) else
                              "PowBackward2" if isinstance(a, number) else "PowBackward1")
        if a.dtype.kind in "iu":
            return _power_layout(integer_power(get_array_module(a), a, b), a, b)  # no gradient: integers only
        out = _power_layout(a ** b, a, b)  # 0 ** -1 is inf, silently: Function.apply computes under np.errstate
        self.save_for_backward(a, b, out if self.needs_input_grad[1] else None)
        if not isinstance(b, (np.generic, int, float)):  # PyTorch's tensor ** tensor keeps out in any case
            self.versions_of = ("out",)
        return out

    def backward(self, grad):
        a, b, out = self.saved
        return self._grads(get_array_module(a), grad, a, b, out)

    def _grads(self, xp, grad, a, b, out):
        ga = gb = None
        if self.needs_input_grad[0]:
            # the derivative first, then times grad, in PyTorch's order (3e38 * 0.8^3e38 is 0, not inf * 0)
            ga = unbroadcast((grad * xp.where(b == 0, 0, b * a ** (b - 1))).astype(grad.dtype, copy=False),
                             self.a_shape)
        if self.needs_input_grad[1]:
            gb = (grad * xp.where((a == 0) & (b >= 0), 0, out * xp.log(a))).astype(grad.dtype, copy=False)
            gb = unbroadcast(gb, self.b_shape)
        return ga, gb


def _power_layout(out, a, b):
    """number ** tensor is row-major in PyTorch; tensor ** x keeps the tensors' memory order."""
    return row_major(out) if isinstance(a, (np.generic, int, float)) else torch_layout(out, a, b)


def integer_power(xp, a, b):
    """a ** b for integers as PyTorch computes it: a negative exponent gives 1 / a^|b| truncated
    toward zero (1 for a = 1, +-1 for a = -1, 0 otherwise, 0 ** -1 included), where numpy refuses."""
    negative = b < 0
    if not negative.any():
        return (a ** b).astype(a.dtype, copy=False)
    odd = (b % 2) != 0
    small = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.where(negative, small, a ** xp.where(negative, 0, b)).astype(a.dtype, copy=False)


class Neg(Function):
    """out = -a;  d/da = -1."""
    def forward(self, a):
        return -a

    def backward(self, grad):
        return -grad
