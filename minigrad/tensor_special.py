"""Tensor's further elementwise maths: erf, erfc, erfinv, expm1, log2, log10, exp2, sinc, logit, the
hyperbolic and inverse trigonometric maps and atan2 (minigrad/ops/special.py), lgamma and digamma
(minigrad/ops/gamma.py), frac and lerp, and the maps without a gradient: the logical ops, isclose
and signbit.

As the maps in tensor_math.py: integer and bool inputs give float32, floats keep their dtype.
Logical ops read any nonzero number (NaN too) as True and give bool, as PyTorch's.
"""
import numpy as np

from . import dtypes
from .array_module import get_array_module
from .ops.broadcast_errors import elementwise
from .ops.layout import elementwise_result as torch_layout
from .ops.gamma import Digamma, Lgamma
from .ops.special import (Acos, Acosh, Asin, Asinh, Atan, Atan2, Atanh, Cosh, Erf, Erfc, Erfinv, Exp2, Expm1, Lerp,
                          Log2, Log10, Logit, Sinc, Sinh, Tan)

# the C type names PyTorch's dtype checks print ("expected dtype float for `end` but got dtype double")
_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int", "int32": "int",
            "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
# and the scalar type names of "Float did not match Long"
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long", "int32": "Int",
                 "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def c_name(dtype):
    return _C_NAMES.get(dtypes.name(dtype), dtypes.name(dtype))


def scalar_name(dtype):
    return _SCALAR_NAMES.get(dtypes.name(dtype), dtypes.name(dtype))


def _is_tensor(x):
    return hasattr(x, "_result_class")


def require_tensor(op, other, position=2, name="other"):
    if not _is_tensor(other):
        raise TypeError(f"{op}(): argument '{name}' (position {position}) must be Tensor, not {type(other).__name__}")


def not_implemented_for(kernel, dtype):
    """PyTorch's error for a kernel without this dtype (frac of integers, lerp of integers...)."""
    return NotImplementedError(f'"{kernel}" not implemented for \'{scalar_name(dtype)}\'')


class SpecialMethods:
    # ---- differentiable maps (float32 for integer and bool inputs) --------------------------------
    erf = lambda self: Erf.apply(self._floating())
    erfc = lambda self: Erfc.apply(self._floating())
    expm1 = lambda self: Expm1.apply(self._floating())
    exp2 = lambda self: Exp2.apply(self._floating())
    log2 = lambda self: Log2.apply(self._floating())
    log10 = lambda self: Log10.apply(self._floating())
    sinh = lambda self: Sinh.apply(self._floating())
    cosh = lambda self: Cosh.apply(self._floating())
    tan = lambda self: Tan.apply(self._floating())
    asin = arcsin = lambda self: Asin.apply(self._floating())
    acos = arccos = lambda self: Acos.apply(self._floating())
    atan = arctan = lambda self: Atan.apply(self._floating())
    asinh = arcsinh = lambda self: Asinh.apply(self._floating())
    acosh = arccosh = lambda self: Acosh.apply(self._floating())
    atanh = arctanh = lambda self: Atanh.apply(self._floating())
    erfinv = lambda self: Erfinv.apply(self._floating())
    sinc = lambda self: Sinc.apply(self._floating())
    lgamma = lambda self: Lgamma.apply(self._floating())
    digamma = lambda self: Digamma.apply(self._floating())

    def logit(self, eps=None):
        """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given (PyTorch's bounds)."""
        return Logit.apply(self._floating(), eps=eps)

    # their in-place forms (a float result is refused by an integer tensor, as in PyTorch)
    erfinv_ = lambda self: self._inplace(lambda t: t.erfinv())
    sinc_ = lambda self: self._inplace(lambda t: t.sinc())
    lgamma_ = lambda self: self._inplace(lambda t: t.lgamma())
    digamma_ = lambda self: self._inplace(lambda t: t.digamma())
    logit_ = lambda self, eps=None: self._inplace(lambda t: t.logit(eps))

    def atan2(self, other):
        """The angle of the point (other, self), elementwise: atan2(y=self, x=other) in (-pi, pi]."""
        require_tensor("atan2", other)
        a, b = self._promote(other)
        if a.array.dtype.kind != "f":
            a, b = a._floating(), b._floating()
        given = (self.array, other.array) if (a.array.dtype, b.array.dtype) != (self.array.dtype, other.array.dtype) \
            else None  # the gradient's formula reads the inputs as given, as PyTorch's
        return Atan2.apply(a, b, given=given)

    arctan2 = atan2

    def frac(self):
        """x - trunc(x), the sign of x (floats only, as PyTorch); its gradient is 1."""
        if self.array.dtype.kind != "f":
            raise not_implemented_for("frac_cpu", self.array.dtype)
        return self - self.detach().trunc()

    def lerp(self, end, weight):
        """self + weight * (end - self), computed as PyTorch does: from `end` when |weight| >= 0.5
        (end - (end - self)(1 - weight)), so that weight = 1 gives `end` exactly."""
        require_tensor("lerp", end, name="end")
        for name, t in (("end", end), ("weight", weight)):
            if _is_tensor(t) and t.array.dtype != self.array.dtype:
                raise RuntimeError(f"expected dtype {c_name(self.array.dtype)} for `{name}` but got dtype "
                                   f"{c_name(t.array.dtype)}")
        if self.array.dtype.kind != "f":
            raise not_implemented_for("lerp_kernel_tensor" if _is_tensor(weight) else "lerp_kernel_scalar",
                                      self.array.dtype)
        if not _is_tensor(weight):
            weight = self.array.dtype.type(weight)
        return Lerp.apply(self, end, weight)

    # ---- without a gradient: bool results ----------------------------------------------------------
    def _logical(self, name, other):
        require_tensor(name, other)
        xp = get_array_module(self.array)
        return self._const(torch_layout(elementwise(getattr(xp, name), self.array, other.array), self.array,
                                        other.array))

    logical_and = lambda self, other: self._logical("logical_and", other)
    logical_or = lambda self, other: self._logical("logical_or", other)
    logical_xor = lambda self, other: self._logical("logical_xor", other)
    logical_not = lambda self: self._const(get_array_module(self.array).logical_not(self.array))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|self - other| <= atol + rtol |other| elementwise (not symmetric, as PyTorch's); equal
        values (infinities too) are close; NaN only to NaN, and only with equal_nan."""
        require_tensor("isclose", other)
        if self.array.dtype != other.array.dtype:
            raise RuntimeError(f"{scalar_name(self.array.dtype)} did not match {scalar_name(other.array.dtype)}")
        for name, value in (("rtol", rtol), ("atol", atol)):
            if value < 0:
                raise RuntimeError(f"{name} must be greater than or equal to zero, but got {value}")
        xp = get_array_module(self.array)
        a, b = self.array, other.array
        close = elementwise(xp.equal, a, b)
        if a.dtype.kind == "b":
            return self._const(torch_layout(close, a, b))
        if equal_nan:
            close = close | (xp.isnan(a) & xp.isnan(b))
        if rtol or atol:
            with np.errstate(invalid="ignore"):  # inf - inf and 0 * inf are NaN, quietly (not close)
                allowed = atol + abs(rtol * (b if a.dtype.kind == "f" else b.astype(dtypes.float32)))
                actual = abs(a - b)
            with_error = actual <= allowed
            close = close | (with_error & xp.isfinite(actual)) if a.dtype.kind == "f" else close | with_error
        return self._const(torch_layout(close, a, b))

    def signbit(self):
        """True where the sign bit is set: negative numbers, -0.0 and -NaN."""
        xp = get_array_module(self.array)
        if self.array.dtype.kind == "b":
            return self._const(xp.zeros(self.array.shape, dtype=bool))
        return self._const(xp.signbit(self.array))
