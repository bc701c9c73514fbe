"""Tensor's division with rounding: div(other, rounding_mode=None | 'trunc' | 'floor'), true_divide
and fmod (the ops are in minigrad/ops/division.py; `//` and `%`, floor_divide and remainder, are
with the operators in tensor_operators.py).

Operands are promoted as for `+` (integers stay integers unless rounding_mode is None, which is
true division: float32 for integers). A bool tensor has no rounded division, as in PyTorch.
"""
from .ops.division import Fmod, RoundedDiv
from .tensor_special import not_implemented_for

_ROUNDING_MODES = (None, "trunc", "floor")


class DivisionMethods:
    def _rounded(self, op, kernel, other, **options):
        pair = self._promote(other)
        if pair is None:
            raise TypeError(f"{op.op_name()}(): argument 'other' must be Tensor or Number, not {type(other).__name__}")
        a, b = pair
        if a.array.dtype.kind == "b":
            raise not_implemented_for(kernel, a.array.dtype)
        return op.apply(a, b, **options)

    def div(self, other, *, rounding_mode=None):
        """self / other: true division (rounding_mode=None), or the quotient rounded toward zero
        ('trunc') or down ('floor'), whose gradient is 0."""
        if rounding_mode not in _ROUNDING_MODES:
            raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        if rounding_mode is None:
            return self / other
        return self._rounded(RoundedDiv, f"div_{rounding_mode}_cpu", other, mode=rounding_mode)

    divide = div
    true_divide = lambda self, other: self / other

    def fmod(self, other):
        """self - other * trunc(self / other): C's fmod, with the sign of self."""
        return self._rounded(Fmod, "fmod_cpu", other)
