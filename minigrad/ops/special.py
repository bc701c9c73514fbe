"""More elementwise maps of one number: erf, erfc, erfinv, expm1, log2, log10, exp2, sinc, logit,
the hyperbolic and inverse trigonometric functions, and atan2 of two (the gamma family: gamma.py).

Each is out = f(x) with dx = grad * f'(x). `ElementwiseMap` holds that pattern once; an op
names f and f' (its maths in the docstring) and which of x or out f' reads, so a backward
keeps only that (an in-place change to the other is then no error, as in PyTorch).
numpy has no erf: it comes from `erfc_of_abs` (a Chebyshev series) and, near 0, from
its Taylor series, whose relative error stays at round-off where 1 - erfc would lose it.
"""
import math

from ..autograd import Function
from ..array_module import get_array_module
from .erfc_series import erfc_of_abs
from .arithmetic import Broadcasting, unbroadcast
from .broadcast_errors import ShapeError
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


def erfinv(xp, y):
    """The x with erf(x) = y, in float64 (the caller rounds), as PyTorch's calc_erfinv: a rational
    approximation (|y| <= 0.7 in y^2, beyond in sqrt(-log((1 - |y|)/2))), then two Newton steps
    x -= (erf(x) - y) / erf'(x). +-inf at +-1, NaN beyond."""
    y = y.astype(xp.float64)
    a, b = (0.886226899, -1.645349621, 0.914624893, -0.140543331), (-2.118377725, 1.442710462, -0.329097515,
                                                                     0.012229801)
    c, d = (-1.970840454, -1.624906493, 3.429567803, 1.641345311), (3.543889200, 1.637067800)
    y_abs = xp.abs(y)
    z = y * y
    central = y * (((a[3] * z + a[2]) * z + a[1]) * z + a[0]) / \
        ((((b[3] * z + b[2]) * z + b[1]) * z + b[0]) * z + 1)
    w = xp.sqrt(-xp.log((1 - xp.minimum(y_abs, 1)) / 2))
    tail = xp.copysign(((c[3] * w + c[2]) * w + c[1]) * w + c[0], y) / ((d[1] * w + d[0]) * w + 1)
    x = xp.where(y_abs <= 0.7, central, tail)
    for _ in range(2):
        x = x - (erf(xp, x) - y) / (_TWO_OVER_SQRT_PI * xp.exp(-x * x))
    x = xp.where(y_abs == 1, xp.copysign(xp.inf, y), x)
    return xp.where(y_abs > 1, xp.nan, x)


class Erfinv(ElementwiseMap):
    """out = erfinv(x), the inverse of erf on (-1, 1);  d/dx = 1 / erf'(out) = sqrt(pi)/2 e^{out^2}
    (out recomputed from x, which is what is kept, as PyTorch)."""
    f = staticmethod(erfinv)
    derivative = staticmethod(lambda xp, x, out: math.sqrt(math.pi) / 2 * xp.exp(erfinv(xp, x) ** 2))


def _sinc_derivative(xp, x):
    """(pi x cos(pi x) - sin(pi x)) / (pi x^2), and 0 at x = 0, in x's dtype (as PyTorch's)."""
    pi = x.dtype.type(math.pi)
    pi_x, pi_x2 = x * pi, x * x * pi
    return xp.where(pi_x2 == 0, 0, (pi_x * xp.cos(pi_x) - xp.sin(pi_x)) / pi_x2)


class Sinc(ElementwiseMap):
    """out = sin(pi x) / (pi x), 1 at x = 0 (pi x rounded in x's dtype, as PyTorch);
    d/dx = (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 at x = 0."""
    f = staticmethod(lambda xp, x: xp.where(x == 0, 1, xp.sin(x * x.dtype.type(math.pi)) /
                                            xp.where(x == 0, 1, x * x.dtype.type(math.pi))))
    derivative = staticmethod(lambda xp, x, out: _sinc_derivative(xp, x))


class Logit(Function):
    """out = log(z / (1 - z)) with z = x, or, given eps, z = x clamped to [eps, 1 - eps]
    (inf at z = 1);  dx = grad / (x (1 - x)), grad * inf at x = 0 or 1, and outside the clamp's
    range 0 (given eps) or NaN (without: x < 0 or x > 1), as PyTorch's logit_backward."""
    def forward(self, x, eps=None):
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.lo = self.hi = None
        z = x
        if eps is not None and not eps < 0:  # PyTorch reads a negative eps as none
            self.lo, self.hi = x.dtype.type(eps), 1 - x.dtype.type(eps)
            z = xp.where(x < self.lo, self.lo, xp.where(x > self.hi, self.hi, x))
        return torch_layout(xp.where(z == 1, xp.inf, xp.log(z / (1 - z))).astype(x.dtype, copy=False), x)

    def backward(self, grad):
        x, = self.saved
        xp = get_array_module(grad)
        inside = grad / (x * (1 - x))
        inside = xp.where((x == 0) | (x == 1), grad * xp.inf, inside)
        if self.lo is None:
            return xp.where((x < 0) | (x > 1), xp.nan, inside).astype(grad.dtype, copy=False)
        return xp.where((x < self.lo) | (x > self.hi), 0, inside).astype(grad.dtype, copy=False)


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
