"""Elementwise maps and selections: abs, the step functions (floor, ceil, round, trunc,
sign), sqrt, sin, cos, log1p, clamp, maximum, minimum and where. Each backward is the
derivative times the output gradient.

At a kink (abs at 0, clamp at its bounds, maximum of two equal numbers) PyTorch's
choice is followed: abs'(0) = 0, clamp passes the gradient to x at the bound itself,
maximum/minimum split a tie's gradient in half; a step function's gradient is 0.
"""
import numpy as np

from ..autograd import Function
from ..array_module import get_array_module
from .arithmetic import Broadcasting, unbroadcast
from .broadcast_errors import check_broadcast
from .layout import elementwise_result as torch_layout, row_major


def torch_sign(x):
    """sign(x) with PyTorch's sign(NaN) = 0 (numpy's is NaN)."""
    xp = get_array_module(x)
    s = xp.sign(x)
    return xp.where(s == s, s, 0).astype(s.dtype, copy=False) if s.dtype.kind == "f" else s


class Abs(Function):
    """out = |x|;  dx = grad * sign(x) (0 at x = 0, and at NaN as PyTorch)."""
    def forward(self, x):
        self.save_for_backward(x)
        return torch_layout(abs(x), x)

    def backward(self, grad):
        return grad * torch_sign(self.saved[0])


class Floor(Function):
    """out = floor(x);  dx = 0: a step function's derivative wherever it exists. PyTorch keeps the
    result in the graph all the same (x.grad becomes zeros, not None), so minigrad does too.
    Ceil, Round (half to even, as PyTorch), Trunc and Sign (sign(NaN) = 0) are the same."""
    def forward(self, x):
        self.shape = x.shape
        return torch_layout(self.step(x), x)

    def step(self, x):
        return get_array_module(x).floor(x)

    def backward(self, grad):
        return get_array_module(grad).zeros(self.shape, grad.dtype)


class Ceil(Floor):
    def step(self, x):
        return get_array_module(x).ceil(x)


class Round(Floor):
    def forward(self, x, decimals=0):
        self.shape = x.shape
        return torch_layout(get_array_module(x).round(x, decimals), x)


class Trunc(Floor):
    def step(self, x):
        return get_array_module(x).trunc(x)


class Sign(Floor):
    def step(self, x):
        return torch_sign(x)


class Sqrt(Function):
    """out = sqrt(x);  dx = grad / (2 out)."""
    def forward(self, x):
        out = torch_layout(get_array_module(x).sqrt(x), x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        return grad / (2 * self.saved[0])


class Sin(Function):
    """out = sin x;  dx = grad * cos x."""
    def forward(self, x):
        self.save_for_backward(x)
        return torch_layout(get_array_module(x).sin(x), x)

    def backward(self, grad):
        return grad * get_array_module(grad).cos(self.saved[0])


class Cos(Function):
    """out = cos x;  dx = -grad * sin x."""
    def forward(self, x):
        self.save_for_backward(x)
        return torch_layout(get_array_module(x).cos(x), x)

    def backward(self, grad):
        return -grad * get_array_module(grad).sin(self.saved[0])


class Log1p(Function):
    """out = ln(1 + x);  dx = grad / (1 + x)."""
    backward_name = "Log1PBackward0"  # PyTorch's name of this node
    def forward(self, x):
        self.save_for_backward(x)
        return torch_layout(get_array_module(x).log1p(x), x)

    def backward(self, grad):
        return grad / (1 + self.saved[0])


class Clamp(Function):
    """out = min(max(x, lo), hi), lo and hi numbers or arrays (broadcast), NaN propagating; with
    lo > hi every element is hi. PyTorch's gradients, each element's to one place only:
    dx = grad where lo <= x <= hi (a bound itself included), dlo = grad where x < lo (and lo < hi
    when both are given), dhi = grad where x > hi (or hi < lo). Only those masks are kept, and the
    inputs' versions, which PyTorch's backward reads."""
    versions_of = (0, 1, 2)

    def forward(self, x, lo=None, hi=None):
        xp = get_array_module(x)
        if lo is None and hi is None:
            raise ValueError("clamp: give at least one of min= and max=")
        self.shapes = [getattr(v, "shape", ()) for v in (x, lo, hi)]
        if any(isinstance(v, (np.generic, int, float)) for v in (lo, hi)):
            self.backward_name = "ClampBackward1"  # number bounds: PyTorch's clamp (Scalar) node
        check_broadcast(*self.shapes)
        need = tuple(self.needs_input_grad) + (False,) * (3 - len(self.needs_input_grad))
        masks = [None, None, None]
        if lo is not None and hi is not None:  # PyTorch's backward combines two masks in place: it refuses
            full = np.broadcast_shapes(*self.shapes)  # when the second broadcasts further than the first
            for needed, first in zip(need, (self.shapes[1], self.shapes[1], self.shapes[2])):
                if needed and np.broadcast_shapes(x.shape, first) != full:
                    self.refusal = (f"output with shape {list(np.broadcast_shapes(x.shape, first))} doesn't match "
                                    f"the broadcast shape {list(full)} (PyTorch's backward of clamp)")
        if need[0]:
            masks[0] = (True if lo is None else x >= lo) & (True if hi is None else x <= hi)
        if need[1]:
            masks[1] = (x < lo) & (True if hi is None else lo < hi)
        if need[2]:
            masks[2] = (x > hi) | (False if lo is None else hi < lo)
        self.save_for_backward(*masks)
        out = x if lo is None else xp.maximum(x, lo)
        out = out if hi is None else xp.minimum(out, hi)
        return torch_layout(out.astype(x.dtype, copy=False), x, lo, hi)

    refusal = None

    def backward(self, grad):
        if self.refusal:
            raise RuntimeError(self.refusal)
        xp = get_array_module(grad)
        return tuple(None if mask is None else unbroadcast(xp.where(mask, grad, grad.dtype.type(0)), shape)
                     for mask, shape in zip(self.saved, self.shapes))


class Maximum(Broadcasting):
    """out = max(a, b) elementwise (NaN if either is NaN);  the gradient goes to the larger, half
    each on a tie. PyTorch's rule, which this follows: da = grad except where a < b (grad / 2 on
    a tie), db = grad except where a > b; so at a NaN, where no comparison holds, both get grad."""
    pick = "maximum"

    def forward(self, a, b):
        self.check_shapes(a, b)
        xp = get_array_module(a, b)
        self.save_for_backward(a, b)
        return torch_layout(getattr(xp, self.pick)(a, b), a, b)

    def backward(self, grad):
        a, b = self.saved
        xp = get_array_module(grad)
        shared = xp.where(a == b, grad / 2, grad)
        a_loses, b_loses = (a < b, a > b) if self.pick == "maximum" else (a > b, a < b)
        ga = unbroadcast(xp.where(a_loses, 0, shared).astype(grad.dtype, copy=False), self.a_shape) \
            if self.needs_input_grad[0] else None
        gb = unbroadcast(xp.where(b_loses, 0, shared).astype(grad.dtype, copy=False), self.b_shape) \
            if self.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    """out = min(a, b) elementwise;  the gradient goes to the smaller, half each on a tie
    (da = grad except where a > b, db = grad except where a < b)."""
    pick = "minimum"


class Where(Function):
    """out = a where cond else b;  da = grad where cond, db = grad elsewhere. The result is laid out
    as torch.where's (the inputs' memory order), or row-major (masked_fill's, tril's)."""
    def forward(self, cond, a, b, row_major_out=False, backward_name=None):
        if backward_name:  # the op the caller computes with it: MaskedFillBackward0, TrilBackward0...
            self.backward_name = backward_name
        xp = get_array_module(a, b)
        self.cond, self.a_shape, self.b_shape = cond, getattr(a, "shape", ()), getattr(b, "shape", ())
        check_broadcast(getattr(cond, "shape", ()), self.a_shape, self.b_shape)
        out = xp.where(cond, a, b)
        return row_major(out) if row_major_out else torch_layout(out, cond, a, b)

    def backward(self, grad):
        xp = get_array_module(grad)
        zero = grad.dtype.type(0)
        ga = unbroadcast(xp.where(self.cond, grad, zero), self.a_shape) if self.needs_input_grad[1] else None
        gb = unbroadcast(xp.where(self.cond, zero, grad), self.b_shape) if self.needs_input_grad[2] else None
        return None, ga, gb
