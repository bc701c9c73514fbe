"""Elementwise maps and selections: abs, sqrt, sin, cos, log1p, clamp, maximum,
minimum and where. Each backward is the derivative times the output gradient.

At a kink (abs at 0, clamp at its bounds, maximum of two equal numbers) PyTorch's
choice is followed: abs'(0) = 0, clamp passes the gradient at the bound itself,
maximum/minimum split a tie's gradient in half.
"""
from ..autograd import Function
from ..backend import get_array_module
from .arithmetic import Broadcasting, unbroadcast


class Abs(Function):
    """out = |x|;  dx = grad * sign(x) (0 at x = 0)."""
    def forward(self, x):
        self.save_for_backward(x)
        return abs(x)

    def backward(self, grad):
        return grad * get_array_module(grad).sign(self.saved[0])


class Sqrt(Function):
    """out = sqrt(x);  dx = grad / (2 out)."""
    def forward(self, x):
        out = get_array_module(x).sqrt(x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        return grad / (2 * self.saved[0])


class Sin(Function):
    """out = sin x;  dx = grad * cos x."""
    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).sin(x)

    def backward(self, grad):
        return grad * get_array_module(grad).cos(self.saved[0])


class Cos(Function):
    """out = cos x;  dx = -grad * sin x."""
    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).cos(x)

    def backward(self, grad):
        return -grad * get_array_module(grad).sin(self.saved[0])


class Log1p(Function):
    """out = ln(1 + x);  dx = grad / (1 + x)."""
    def forward(self, x):
        self.save_for_backward(x)
        return get_array_module(x).log1p(x)

    def backward(self, grad):
        return grad / (1 + self.saved[0])


class Clamp(Function):
    """out = min(max(x, lo), hi);  dx = grad where lo <= x <= hi, else 0."""
    def forward(self, x, min=None, max=None):
        xp = get_array_module(x)
        if min is None and max is None:
            raise ValueError("clamp: give at least one of min= and max=")
        keep = True
        if min is not None:
            keep = x >= min
        if max is not None:
            keep = keep & (x <= max)
        self.save_for_backward(keep)
        out = x if min is None else xp.maximum(x, min)
        out = out if max is None else xp.minimum(out, max)
        return out.astype(x.dtype, copy=False)

    def backward(self, grad):
        return grad * self.saved[0]


class Maximum(Broadcasting):
    """out = max(a, b) elementwise;  the gradient goes to the larger, half each on a tie."""
    pick = "maximum"

    def forward(self, a, b):
        self.check_shapes(a, b)
        xp = get_array_module(a, b)
        out = getattr(xp, self.pick)(a, b)
        self.save_for_backward(a, b, out)
        return out

    def backward(self, grad):
        a, b, out = self.saved
        wa = (a == out) * 1.0 - (a == b) * 0.5
        ga = unbroadcast(grad * wa.astype(grad.dtype), self.a_shape) if self.needs_input_grad[0] else None
        gb = unbroadcast(grad * (1 - wa).astype(grad.dtype), self.b_shape) if self.needs_input_grad[1] else None
        return ga, gb


class Minimum(Maximum):
    """out = min(a, b) elementwise;  the gradient goes to the smaller, half each on a tie."""
    pick = "minimum"


class Where(Function):
    """out = a where cond else b;  da = grad where cond, db = grad elsewhere."""
    def forward(self, cond, a, b):
        xp = get_array_module(a, b)
        self.cond, self.a_shape, self.b_shape = cond, getattr(a, "shape", ()), getattr(b, "shape", ())
        return xp.where(cond, a, b)

    def backward(self, grad):
        xp = get_array_module(grad)
        zero = grad.dtype.type(0)
        ga = unbroadcast(xp.where(self.cond, grad, zero), self.a_shape) if self.needs_input_grad[1] else None
        gb = unbroadcast(xp.where(self.cond, zero, grad), self.b_shape) if self.needs_input_grad[2] else None
        return None, ga, gb
