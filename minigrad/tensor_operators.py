"""Tensor's operators: + - * / // % ** @ and the bitwise and comparison operators, with
PyTorch's type promotion (minigrad/dtypes.py) and its refusals (no bool subtraction or
negation, no integer division by zero, one dtype for a matrix product).

Each operator converts its operands to the dtype PyTorch would give the result and calls one
op of minigrad/ops/arithmetic.py (or matmul.py). Integer and bool tensors stay integer where
PyTorch keeps them (+, -, *); `/` of integers gives float32. Their in-place forms (`+=`...)
are in tensor_inplace.py; the elementwise maps in tensor_math.py.
"""
import numpy as np

from . import dtypes
from .array_module import get_array_module, to_device
from .ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .ops.broadcast_errors import elementwise
from .ops.division import FloorDivide, Remainder
from .ops.layout import elementwise_result as torch_layout
from .ops.fast.matmul import MatMulFast
from .ops.matmul import MatMul
from .ops.reference_switch import pick
from .ops.shapes import AsType
from .tensor_special import scalar_name

_NUMBER = (int, float, bool, np.number, np.bool_)


def same_dtype(op, *tensors):
    """PyTorch's matrix products and convolutions refuse operands of two dtypes (a float32 model
    given float64 data); minigrad does too, rather than compute in the wider one."""
    names = [dtypes.name(t.array.dtype) for t in tensors if t is not None]
    if len(set(names)) > 1:
        raise RuntimeError(f"{op}: expected operands of one dtype, but got {' and '.join(names)}: convert "
                           f"one of them, e.g. x.float() for a float32 model")


def _is_tensor(x):
    return hasattr(x, "_result_class")


def _kind(x):
    """numpy's dtype kind of an operand ('b' bool, 'i'/'u' integer, 'f' float); None for a non-operand."""
    if isinstance(x, (bool, np.bool_)):
        return "b"
    dtype = getattr(x, "dtype", None)
    return dtype.kind if dtype is not None else None


def _number_of(dtype, value):
    """A Python number as a numpy scalar of the result's dtype. An integer out of an integer dtype's
    range wraps around, as PyTorch's C cast does (uint8 - 3 subtracts 253 mod 256; -2 < uint8 compares
    with 254); one beyond int64 raises OverflowError, as there."""
    if dtype.kind in "iu" and isinstance(value, int) and not isinstance(value, bool):
        info = np.iinfo(dtype)
        if not info.min <= value <= info.max:
            return np.array(value, dtype=np.int64).astype(dtype)[()]
    return dtype.type(value)


class OperatorMethods:
    # ---- type promotion ------------------------------------------------------------------
    def _cast(self, dtype):
        return self if self.array.dtype == dtype else AsType.apply(self, dtype=dtype)

    def _promote(self, other):
        """(self, other) converted to the dtype PyTorch gives their result; None if other is no operand."""
        dt = self.array.dtype
        if _is_tensor(other):
            odt = other.array.dtype
            if odt == dt:
                return self, other
            dims, zero = [], []
            (dims if self.array.ndim else zero).append(dt)
            (dims if other.array.ndim else zero).append(odt)
            rt = dtypes.result_type(dims, zero, ())
            return self._cast(rt), other._cast(rt)
        if isinstance(other, _NUMBER):
            if isinstance(other, float) and dt.kind == "f":
                return self, dt.type(other)
            rt = dtypes.result_type([dt] if self.array.ndim else [], [] if self.array.ndim else [dt], [other])
            return self._cast(rt), _number_of(rt, other)
        if hasattr(other, "shape") and hasattr(other, "dtype"):  # a numpy/cupy array: a tensor of its dtype
            other = self._result_class._wrap(to_device(other, str(self.device)))
            return self._promote(other)
        return None

    def _binary(self, op, other, reverse=False):
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair
        return op.apply(b, a) if reverse else op.apply(a, b)

    def _floating(self):
        """Self as a float tensor (exp, log, / ... of integers give float32, as PyTorch)."""
        return self if self.array.dtype.kind == "f" else AsType.apply(self, dtype=dtypes.float32)

    def _const(self, array):
        return self._result_class._wrap(array)

    # ---- operators -----------------------------------------------------------------------------
    __add__ = lambda self, other: self._binary(Add, other)
    __radd__ = lambda self, other: self._binary(Add, other, reverse=True)
    __sub__ = lambda self, other: self._subtract(other)
    __rsub__ = lambda self, other: self._subtract(other, reverse=True)
    __mul__ = lambda self, other: self._binary(Mul, other)
    __rmul__ = lambda self, other: self._binary(Mul, other, reverse=True)
    __pow__ = lambda self, other: self._power(other)
    __rpow__ = lambda self, other: self._power(other, reverse=True)
    __matmul__ = lambda self, other: self._product(other)
    __rmatmul__ = lambda self, other: self._product(other, reverse=True)

    def _subtract(self, other, reverse=False, operand=None):
        """a - b. PyTorch refuses bool operands (`operand`: b before sub's alpha scaled it): a mask is
        inverted with ~, compared with ^."""
        operand = other if operand is None else operand
        if self.array.dtype.kind == "b" or _kind(operand) == "b":
            if self.array.dtype.kind == _kind(operand):
                raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                                   "Use the `^` or `logical_xor()` operator instead.")
            raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
                               "trying to invert a mask, use the `~` or `logical_not()` operator instead.")
        return self._binary(Sub, other, reverse)

    def _power(self, other, reverse=False):
        """a ** b. Bools: PyTorch computes only a bool tensor to a Python bool power (x ** True is x,
        x ** False all True); integers to negative tensor powers truncate (ops/arithmetic.py)."""
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair
        if a.array.dtype.kind == "b":
            if reverse or not isinstance(other, _NUMBER):
                raise NotImplementedError("\"pow\" not implemented for 'Bool': convert first, e.g. x.long()")
            return self._const(a.array.copy() if other else get_array_module(a.array).ones_like(a.array))
        if a.array.dtype.kind in "iu" and not reverse and isinstance(other, _NUMBER):
            if other < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            dtypes.check_fits(other, a.array.dtype)  # an exponent that does not fit the dtype is refused
        return Pow.apply(b, a) if reverse else Pow.apply(a, b)

    def _product(self, other, reverse=False):
        """a @ b: PyTorch multiplies matrices of one dtype only (no promotion, unlike +), and no bools."""
        if _is_tensor(other):
            same_dtype("matmul", self, other)
            if self.array.dtype.kind == "b":
                raise NotImplementedError("matmul: not implemented for 'Bool' tensors (PyTorch: \"dot\" not "
                                          "implemented for 'Bool'): convert first, e.g. x.float()")
        return self._binary(pick(MatMul, MatMulFast), other, reverse)  # ops/matmul.py, or its fast twin

    def mm(self, mat2):
        """The product of two matrices (2-D both: torch.mm; matmul broadcasts)."""
        for name, t in (("self", self), ("mat2", mat2)):
            if t.ndim != 2:
                raise RuntimeError(f"{name} must be a matrix (mm takes 2-D tensors, this one is {t.ndim}-D: "
                                   "use matmul or @ for vectors and batches)")
        return self._product(mat2)

    def __neg__(self):
        if self.array.dtype.kind == "b":
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
                               "to invert a mask, use the `~` or `logical_not()` operator instead.")
        return Neg.apply(self)

    neg = negative = __neg__
    __abs__ = lambda self: self.abs()

    def __pos__(self):
        if self.array.dtype.kind == "b":
            raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
        return self

    def __truediv__(self, other, reverse=False):
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair
        if a.array.dtype.kind != "f":  # true division of integers gives float32
            a = a._floating()
            b = b._floating() if _is_tensor(b) else np.float32(other)  # the number itself, not wrapped
        return Div.apply(b, a) if reverse else Div.apply(a, b)

    def __rtruediv__(self, other):
        """number / x is PyTorch's x.reciprocal() * number (so its rounding too)."""
        if isinstance(other, _NUMBER):
            return self.reciprocal() * other
        return self.__truediv__(other, reverse=True)

    def _no_grad_binary(self, ufunc, other, reverse=False):
        """The bitwise ops, on bools and integers only (as PyTorch's)."""
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair[0].array, getattr(pair[1], "array", pair[1])
        if a.dtype.kind not in "biu":
            raise NotImplementedError(f"\"{ufunc}\" not implemented for '{dtypes.name(a.dtype)}': bitwise ops "
                                      "take bool and integer tensors only")
        ufunc = getattr(get_array_module(a), ufunc)
        a, b = (b, a) if reverse else (a, b)
        return self._const(torch_layout(elementwise(ufunc, a, b), a, b))

    def _shift(self, left, other, reverse=False):
        """<< and >> of integers, as PyTorch's: a shift by a negative count or by the width of the dtype
        or more gives 0 (>> of a negative number, -1); bits shifted past the top are lost."""
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair[0].array, getattr(pair[1], "array", pair[1])
        a, b = (b, a) if reverse else (a, b)
        dtype = pair[0].array.dtype
        if dtype.kind not in "iu":
            raise NotImplementedError(f"\"{'lshift' if left else 'rshift'}_cpu\" not implemented for "
                                      f"'{scalar_name(dtype)}'")
        xp = get_array_module(pair[0].array)
        past = (b < 0) | (b >= 8 * dtype.itemsize)
        count = xp.where(past, 0, b).astype(dtype, copy=False)
        if left:
            out = xp.where(past, 0, elementwise(xp.left_shift, a, count))
        else:
            out = xp.where(past, xp.where(a < 0, -1, 0), elementwise(xp.right_shift, a, count))
        return self._const(torch_layout(xp.asarray(out).astype(dtype, copy=False), a, b))

    __lshift__ = lambda self, other: self._shift(True, other)
    __rlshift__ = lambda self, other: self._shift(True, other, reverse=True)
    __rshift__ = lambda self, other: self._shift(False, other)
    __rrshift__ = lambda self, other: self._shift(False, other, reverse=True)

    def _divide_floor(self, op, other, reverse=False):
        """// and %: no bools, and integers refuse a zero divisor (ops/arithmetic.py), as PyTorch."""
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair
        if a.array.dtype.kind == "b":
            raise NotImplementedError(f"\"{op.op_name()}\" not implemented for 'Bool': convert first, e.g. x.long()")
        return op.apply(b, a) if reverse else op.apply(a, b)

    __floordiv__ = floor_divide = lambda self, other: self._divide_floor(FloorDivide, other)
    __rfloordiv__ = lambda self, other: self._divide_floor(FloorDivide, other, True)
    __mod__ = remainder = lambda self, other: self._divide_floor(Remainder, other)
    __rmod__ = lambda self, other: self._divide_floor(Remainder, other, True)
    __and__ = __rand__ = lambda self, other: self._no_grad_binary("bitwise_and", other)
    __or__ = __ror__ = lambda self, other: self._no_grad_binary("bitwise_or", other)
    __xor__ = __rxor__ = lambda self, other: self._no_grad_binary("bitwise_xor", other)

    def __invert__(self):
        xp = get_array_module(self.array)
        return self._const(xp.logical_not(self.array) if self.array.dtype == dtypes.bool else ~self.array)

    add = lambda self, other, alpha=1: self + self._times_alpha(other, alpha)
    sub = subtract = lambda self, other, alpha=1: self._subtract(self._times_alpha(other, alpha), operand=other)

    def _times_alpha(self, other, alpha):
        """other * alpha, for add/sub's `alpha`, with PyTorch's rules: a bool or integer result takes
        no float alpha, a bool alpha only a bool result, where alpha acts as a bool (x + y * True)."""
        if type(alpha) is int and alpha == 1:
            return other
        pair = self._promote(other)
        kind = pair[0].array.dtype.kind if pair is not None else None
        if isinstance(alpha, (bool, np.bool_)) and kind != "b":
            raise RuntimeError("Boolean alpha only supported for Boolean results.")
        if isinstance(alpha, (float, np.floating)) and kind in ("b", "i", "u"):
            raise RuntimeError("For integral input tensors, argument alpha must not be a floating point number.")
        if kind == "b":
            return other * bool(alpha) if _is_tensor(other) else bool(other) and bool(alpha)
        return pair[1] * alpha  # in the result's dtype: uint8 * -1 must not wrap before int32 arithmetic

    mul = multiply = __mul__
    pow = __pow__
    matmul = __matmul__

    # ---- comparisons: boolean tensors without a gradient -------------------------------------
    def _compare(self, other, ufunc):
        """A bool tensor, computed in the dtype PyTorch promotes the two to (so a uint8 tensor
        compares with -2 as with 254, and an int64 one with 2.5 in float32)."""
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair[0].array, getattr(pair[1], "array", pair[1])
        return self._const(torch_layout(elementwise(getattr(get_array_module(a), ufunc), a, b), a, b))

    __eq__ = eq = lambda self, other: self._compare(other, "equal")
    __ne__ = ne = lambda self, other: self._compare(other, "not_equal")
    __lt__ = lt = less = lambda self, other: self._compare(other, "less")
    __le__ = le = lambda self, other: self._compare(other, "less_equal")
    __gt__ = gt = greater = lambda self, other: self._compare(other, "greater")
    __ge__ = ge = lambda self, other: self._compare(other, "greater_equal")
    __hash__ = None  # replaced in Tensor (identity hash)
