"""More elementwise maps of one number: erf, erfc, expm1, log2, log10, exp2, the hyperbolic and
inverse trigonometric functions, and atan2 of two.

Each is out = f(x) with dx = grad * f'(x). `ElementwiseMap` holds that pattern once; an op
names f and f' (its maths in the docstring) and which of x or out f' reads, so a backward
keeps only that (an in-place change to the other is then no error, as in PyTorch).
numpy has no erf: it comes from `erfc_of_abs` (a Chebyshev series) and, near 0, from
its Taylor series, whose relative error stays at round-off where 1 - erfc would lose it.
"""
import math

from ..autograd import Function
from ..backend import get_array_module
from .activations_nn import erfc_of_abs
from .arithmetic import Broadcasting, ShapeError, unbroadcast
from .layout import elementwise_result as torch_layout
from .matmul import broadcast_shapes

_TWO_OVER_SQRT_PI = 2 / math.sqrt(math.pi)


class ElementwiseMap(Function):
    """out = f(x);  dx = grad * f'(x). Subclasses set `f(xp, x)`, `derivative(xp, x, out)` and
    `reads`: "x" or "out", the one argument their derivative uses (the other arrives as None)."""
    reads = "x"

    def forward(self, x):
        out = torch_layout(self.f(get_array_module(x), x).astype(x.dtype, copy=False), x)
        self.save_for_backward(x if self.reads == "x" else out)
        return out

    def backward(self, grad):
        kept = self.saved[0]
        x, out = (kept, None) if self.reads == "x" else (None, kept)
        return grad * self.derivative(get_array_module(grad), x, out).astype(grad.dtype, copy=False)


def erf(xp, x):
    """erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1)) for |x| < 0.5, else sign(x)(1 - erfc|x|)."""
    z = x.astype(xp.float64)
    z2, term, series = z * z, z, z.copy()
    for n in range(1, 14):  # 0.5^27 / 13! is below float64's round-off
        term = -term * z2 / n
        series += term / (2 * n + 1)
    far = xp.sign(z) * (1 - erfc_of_abs(z))
    return xp.where(xp.abs(z) < 0.5, _TWO_OVER_SQRT_PI * series, far)


class Erf(ElementwiseMap):
    """out = erf(x) = 2/sqrt(pi) int_0^x e^{-t^2} dt;  d/dx = 2/sqrt(pi) e^{-x^2}."""
    f = staticmethod(erf)
    derivative = staticmethod(lambda xp, x, out: _TWO_OVER_SQRT_PI * xp.exp(-x * x))


class Erfc(ElementwiseMap):
    """out = erfc(x) = 1 - erf(x) (accurate where erf is near 1: erfc(x) = 2 - erfc(-x) for x < 0);
    d/dx = -2/sqrt(pi) e^{-x^2}."""
    f = staticmethod(lambda xp, x: xp.where(x < 0, 2 - erfc_of_abs(x), erfc_of_abs(x)))
    derivative = staticmethod(lambda xp, x, out: -_TWO_OVER_SQRT_PI * xp.exp(-x * x))


class Expm1(ElementwiseMap):
    """out = e^x - 1 (exact near 0);  d/dx = e^x = out + 1."""
    reads = "out"
    f = staticmethod(lambda xp, x: xp.expm1(x))
    derivative = staticmethod(lambda xp, x, out: out + 1)


class Exp2(ElementwiseMap):
    """out = 2^x;  d/dx = 2^x ln 2 = out ln 2."""
    reads = "out"
    f = staticmethod(lambda xp, x: xp.exp2(x))
    derivative = staticmethod(lambda xp, x, out: out * math.log(2))


class Log2(ElementwiseMap):
    """out = log2 x;  d/dx = 1 / (x ln 2)."""
    f = staticmethod(lambda xp, x: xp.log2(x))
    derivative = staticmethod(lambda xp, x, out: 1 / (x * math.log(2)))


class Log10(ElementwiseMap):
    """out = log10 x;  d/dx = 1 / (x ln 10)."""
    f = staticmethod(lambda xp, x: xp.log10(x))
    derivative = staticmethod(lambda xp, x, out: 1 / (x * math.log(10)))


class Sinh(ElementwiseMap):
    """out = sinh x = (e^x - e^-x) / 2;  d/dx = cosh x."""
    f = staticmethod(lambda xp, x: xp.sinh(x))
    derivative = staticmethod(lambda xp, x, out: xp.cosh(x))


class Cosh(ElementwiseMap):
    """out = cosh x = (e^x + e^-x) / 2;  d/dx = sinh x."""
    f = staticmethod(lambda xp, x: xp.cosh(x))
    derivative = staticmethod(lambda xp, x, out: xp.sinh(x))


class Tan(ElementwiseMap):
    """out = tan x;  d/dx = 1 / cos^2 x = 1 + out^2."""
    reads = "out"
    f = staticmethod(lambda xp, x: xp.tan(x))
    derivative = staticmethod(lambda xp, x, out: 1 + out * out)


class Asin(ElementwiseMap):
    """out = arcsin x;  d/dx = 1 / sqrt(1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arcsin(x))
    derivative = staticmethod(lambda xp, x, out: 1 / xp.sqrt(1 - x * x))


class Acos(ElementwiseMap):
    """out = arccos x;  d/dx = -1 / sqrt(1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arccos(x))
    derivative = staticmethod(lambda xp, x, out: -1 / xp.sqrt(1 - x * x))


class Atan(ElementwiseMap):
    """out = arctan x;  d/dx = 1 / (1 + x^2)."""
    f = staticmethod(lambda xp, x: xp.arctan(x))
    derivative = staticmethod(lambda xp, x, out: 1 / (1 + x * x))


class Asinh(ElementwiseMap):
    """out = arsinh x = ln(x + sqrt(x^2 + 1));  d/dx = 1 / sqrt(x^2 + 1)."""
    f = staticmethod(lambda xp, x: xp.arcsinh(x))
    derivative = staticmethod(lambda xp, x, out: 1 / xp.sqrt(x * x + 1))


class Acosh(ElementwiseMap):
    """out = arcosh x = ln(x + sqrt(x^2 - 1));  d/dx = 1 / sqrt(x^2 - 1), from x^2 - 1 as PyTorch
    (at x = -1 that is +0, so grad * inf keeps grad's sign; (x - 1)(x + 1) would be -0 there)."""
    f = staticmethod(lambda xp, x: xp.arccosh(x))
    derivative = staticmethod(lambda xp, x, out: 1 / xp.sqrt(x * x - 1))


class Atanh(ElementwiseMap):
    """out = artanh x = ln((1 + x) / (1 - x)) / 2;  d/dx = 1 / (1 - x^2)."""
    f = staticmethod(lambda xp, x: xp.arctanh(x))
    derivative = staticmethod(lambda xp, x, out: 1 / (1 - x * x))


class Atan2(Broadcasting):
    """out = atan2(a, b), the angle of the point (b, a) in (-pi, pi];
    da = grad * b / (a^2 + b^2), db = -grad * a / (a^2 + b^2), computed as PyTorch does: both 0
    where a^2 + b^2 is 0 (the origin), and from the inputs as given (`given`, before promotion),
    so an integer input is squared and negated in its own dtype (a uint8 wraps around there)."""
    def forward(self, a, b, given=None):
        self.check_shapes(a, b)
        self.save_for_backward(*(given or (a, b)))
        return torch_layout(get_array_module(a, b).arctan2(a, b), a, b)

    def backward(self, grad):
        a, b = self.saved
        xp = get_array_module(grad)
        if a.dtype.kind == "b" and self.needs_input_grad[1]:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                               "invert a mask, use the `~` or `logical_not()` operator instead.")
        r2 = (a * a).astype(grad.dtype, copy=False) + (b * b).astype(grad.dtype, copy=False)
        recip = xp.where(r2 == 0, 0, 1 / r2)
        ga = unbroadcast(grad * b.astype(grad.dtype, copy=False) * recip, self.a_shape) \
            if self.needs_input_grad[0] else None
        gb = unbroadcast(grad * (-a).astype(grad.dtype, copy=False) * recip, self.b_shape) \
            if self.needs_input_grad[1] else None
        return ga, gb


class Lerp(Broadcasting):
    """out = a + w (b - a), computed as PyTorch does: from b where |w| >= 0.5 (b - (b - a)(1 - w)),
    so w = 1 gives b exactly; w is a tensor or a number.
    da = grad (1 - w), db = grad w, dw = grad (b - a)."""
    def forward(self, a, b, w):
        self.check_shapes(a, b)
        self.w_shape = getattr(w, "shape", None)
        if self.w_shape is not None and broadcast_shapes(a.shape, b.shape, w.shape) is None:
            raise ShapeError(f"lerp: shapes {tuple(a.shape)}, {tuple(b.shape)} and {tuple(w.shape)} (weight) "
                             "cannot be broadcast together")
        xp = get_array_module(a, b)
        self.save_for_backward(a if self.needs_input_grad[2] else None,
                               b if self.needs_input_grad[2] else None, w)
        diff = b - a
        return torch_layout(xp.where(abs(w) < 0.5, a + w * diff, b - diff * (1 - w)).astype(a.dtype, copy=False),
                            a, b, w)

    def backward(self, grad):
        a, b, w = self.saved
        need_a, need_b, need_w = self.needs_input_grad
        return (unbroadcast(grad * (1 - w), self.a_shape) if need_a else None,
                unbroadcast(grad * w, self.b_shape) if need_b else None,
                unbroadcast(grad * (b - a), self.w_shape) if need_w else None)
