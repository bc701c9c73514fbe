"""Elementwise maps PyTorch has beside the arithmetic: hypot and copysign (each an op of
ops/binary_maps.py, as is xlogy), and the ones that read as compositions of other ops: float_power
(pow in float64), fmax/fmin (the larger/smaller, ignoring a NaN),
nan_to_num, isposinf/isneginf, deg2rad/rad2deg; with their in-place forms. Integers and bools are
promoted as PyTorch promotes them (to float32 where the result is a float)."""
import math

from . import dtypes
from .array_module import get_array_module
from .ops.binary_maps import Copysign, Hypot, Xlogy
from .tensor_special import not_implemented_for, require_tensor, scalar_name


def _operands(self, name, other):
    """(self, other) in their common dtype; a number stays a (numpy) number."""
    pair = self._promote(other)
    if pair is None:
        raise TypeError(f"{name}(): argument 'other' (position 2) must be Tensor or Number, not "
                        f"{type(other).__name__}")
    return pair


def _float_operands(self, name, other):
    """(self, other) in the float dtype of their result (float32 for integers and bools), each
    converted from its own dtype (an int32 -1 beside uint8 stays -1); a number stays a number."""
    _operands(self, name, other)  # refuses what is no operand
    tiers = ([], [], [])
    for x in (self, other):
        if hasattr(x, "_result_class"):
            tiers[0 if x.ndim else 1].append(x.array.dtype)
        else:
            tiers[2].append(x)
    dtype = dtypes.result_type(*tiers)
    dtype = dtype if dtype.kind == "f" else dtypes.float32
    return self._cast(dtype), other._cast(dtype) if hasattr(other, "_result_class") else dtype.type(other)


class MapMethods:
    def hypot(self, other):
        """sqrt(self^2 + other^2), of floats only."""
        require_tensor("hypot", other)
        a, b = _operands(self, "hypot", other)
        if a.array.dtype.kind != "f":
            raise not_implemented_for("hypot_cpu", a.array.dtype)
        return Hypot.apply(a, b)

    def copysign(self, other):
        """|self| with the sign of other (a tensor or a number; -0.0 counts as negative); a float."""
        return Copysign.apply(*_float_operands(self, "copysign", other))

    def float_power(self, exponent):
        """self ** exponent, computed in float64 (the result is float64 whatever the inputs)."""
        if hasattr(exponent, "_result_class"):
            return self.double() ** exponent.double()
        if not isinstance(exponent, (int, float)):
            raise TypeError(f"float_power(): argument 'exponent' must be Tensor or Number, not "
                            f"{type(exponent).__name__}")
        return self.double() ** float(exponent)

    def float_power_(self, exponent):
        if self.array.dtype != dtypes.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype {scalar_name(self.array.dtype)} but the "
                               "operation's result requires dtype Double")
        return self._inplace(lambda t: t.float_power(exponent), exponent)

    def fmax(self, other):
        """The larger of the two, elementwise; where one is NaN, the other (NaN only where both are).
        The gradient goes to the one chosen (to self at a tie), as PyTorch's."""
        require_tensor("fmax", other)
        a, b = _operands(self, "fmax", other)
        return a.where((a >= b) | b.isnan(), b)

    def fmin(self, other):
        """The smaller of the two, elementwise, ignoring a NaN (see fmax)."""
        require_tensor("fmin", other)
        a, b = _operands(self, "fmin", other)
        return a.where((a <= b) | b.isnan(), b)

    def xlogy(self, other):
        """self * log(other), and 0 where self is 0 (unless other is NaN); a float."""
        a, b = _float_operands(self, "xlogy", other)
        number = not hasattr(b, "_result_class")
        return Xlogy.apply(a, a._const(get_array_module(a.array).asarray(b)) if number else b, y_is_number=number)

    def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
        """NaN, +inf and -inf replaced (by default by 0 and the dtype's largest and lowest finite
        numbers); the gradient passes where self is finite. Integers and bools: a copy."""
        if self.array.dtype.kind != "f":
            return self.clone()
        nan = 0.0 if nan is None else nan
        xp = get_array_module(self.array)
        replaced = xp.nan_to_num(self.array, nan=nan, posinf=posinf, neginf=neginf)
        return self.where(self.isfinite(), self._const(replaced))

    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return self._inplace(lambda t: t.nan_to_num(nan, posinf, neginf))

    isposinf = lambda self: self.isinf() & (self > 0)
    isneginf = lambda self: self.isinf() & (self < 0)
    deg2rad = lambda self: self._floating() * (math.pi / 180)
    rad2deg = lambda self: self._floating() * (180 / math.pi)
    hypot_ = lambda self, other: self._inplace(lambda t: t.hypot(other), other)
    copysign_ = lambda self, other: self._inplace(lambda t: t.copysign(other), other)
    xlogy_ = lambda self, other: self._inplace(lambda t: t.xlogy(other), other)
    deg2rad_ = lambda self: self._inplace(lambda t: t.deg2rad())
    rad2deg_ = lambda self: self._inplace(lambda t: t.rad2deg())
