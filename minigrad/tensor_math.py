"""Tensor's maths: operators with PyTorch's type promotion, elementwise maps and
comparisons (their in-place forms are in tensor_inplace.py; reductions in tensor_reduce.py).

Each method converts its operands to the dtype PyTorch would give the result
(minigrad/dtypes.py) and calls one op of minigrad/ops/. Integer and bool tensors
stay integer where PyTorch keeps them (+, -, *, sum); `/`, exp, log, sqrt... of
integers give float32.
"""
import numpy as np

from . import dtypes
from .backend import get_array_module, to_device
from .ops.activations import Exp, Log, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .ops.elementwise import Abs, Clamp, Cos, Log1p, Maximum, Minimum, Sin, Sqrt, Where
from .ops.matmul import MatMul
from .ops.shapes import AsType

_NUMBER = (int, float, bool, np.number, np.bool_)


def same_dtype(op, *tensors):
    """PyTorch's matrix products and convolutions refuse operands of two dtypes (a float32 model
    given float64 data); minigrad does too, rather than compute in the wider one."""
    names = [dtypes.name(t.array.dtype) for t in tensors if t is not None]
    if len(set(names)) > 1:
        raise RuntimeError(f"{op}: expected operands of one dtype, but got {' and '.join(names)}: convert "
                           f"one of them, e.g. x.float() for a float32 model")


def _sizes(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


def _is_tensor(x):
    return hasattr(x, "_result_class")


class MathMethods:
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
            return self._cast(rt), rt.type(other)
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
    __sub__ = lambda self, other: self._binary(Sub, other)
    __rsub__ = lambda self, other: self._binary(Sub, other, reverse=True)
    __mul__ = lambda self, other: self._binary(Mul, other)
    __rmul__ = lambda self, other: self._binary(Mul, other, reverse=True)
    __pow__ = lambda self, other: self._binary(Pow, other)
    __rpow__ = lambda self, other: self._binary(Pow, other, reverse=True)
    __matmul__ = lambda self, other: self._product(other)
    __rmatmul__ = lambda self, other: self._product(other, reverse=True)

    def _product(self, other, reverse=False):
        """a @ b: PyTorch multiplies matrices of one dtype only (no promotion, unlike +)."""
        if _is_tensor(other):
            same_dtype("matmul", self, other)
        return self._binary(MatMul, other, reverse)

    __neg__ = neg = lambda self: Neg.apply(self)
    __abs__ = lambda self: self.abs()
    __pos__ = lambda self: self

    def __truediv__(self, other, reverse=False):
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair
        if a.array.dtype.kind != "f":  # true division of integers gives float32
            a = a._floating()
            b = b._floating() if _is_tensor(b) else np.float32(b)
        return Div.apply(b, a) if reverse else Div.apply(a, b)

    __rtruediv__ = lambda self, other: self.__truediv__(other, reverse=True)
    div = divide = __truediv__

    def _no_grad_binary(self, ufunc, other, reverse=False):
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair[0].array, getattr(pair[1], "array", pair[1])
        xp = get_array_module(a)
        return self._const(getattr(xp, ufunc)(b, a) if reverse else getattr(xp, ufunc)(a, b))

    __floordiv__ = lambda self, other: self._no_grad_binary("floor_divide", other)
    __rfloordiv__ = lambda self, other: self._no_grad_binary("floor_divide", other, True)
    __mod__ = lambda self, other: self._no_grad_binary("remainder", other)
    __rmod__ = lambda self, other: self._no_grad_binary("remainder", other, True)
    __and__ = __rand__ = lambda self, other: self._no_grad_binary("bitwise_and", other)
    __or__ = __ror__ = lambda self, other: self._no_grad_binary("bitwise_or", other)
    __xor__ = __rxor__ = lambda self, other: self._no_grad_binary("bitwise_xor", other)

    def __invert__(self):
        xp = get_array_module(self.array)
        return self._const(xp.logical_not(self.array) if self.array.dtype == dtypes.bool else ~self.array)

    add = lambda self, other, alpha=1: self + (other * alpha if alpha != 1 else other)
    sub = subtract = lambda self, other, alpha=1: self - (other * alpha if alpha != 1 else other)
    mul = multiply = __mul__
    pow = __pow__
    matmul = mm = __matmul__

    # ---- comparisons: boolean tensors without a gradient -------------------------------------
    def _compare(self, other, ufunc):
        if _is_tensor(other):
            other = other.array
        elif not isinstance(other, _NUMBER) and not hasattr(other, "shape"):
            return NotImplemented
        return self._const(getattr(get_array_module(self.array), ufunc)(self.array, other))

    __eq__ = eq = lambda self, other: self._compare(other, "equal")
    __ne__ = ne = lambda self, other: self._compare(other, "not_equal")
    __lt__ = lt = less = lambda self, other: self._compare(other, "less")
    __le__ = le = lambda self, other: self._compare(other, "less_equal")
    __gt__ = gt = greater = lambda self, other: self._compare(other, "greater")
    __ge__ = ge = lambda self, other: self._compare(other, "greater_equal")
    __hash__ = None  # replaced in Tensor (identity hash)

    def equal(self, other):
        return self.shape == other.shape and bool((self.array == other.array).all())

    def allclose(self, other, rtol=1e-5, atol=1e-8):
        return bool(get_array_module(self.array).allclose(self.array, other.array, rtol=rtol, atol=atol))

    def isnan(self):
        return self._const(get_array_module(self.array).isnan(self.array))

    def isfinite(self):
        return self._const(get_array_module(self.array).isfinite(self.array))

    def isinf(self):
        return self._const(get_array_module(self.array).isinf(self.array))

    # ---- elementwise maps ----------------------------------------------------------------------
    exp = lambda self: Exp.apply(self._floating())
    log = lambda self: Log.apply(self._floating())
    log1p = lambda self: Log1p.apply(self._floating())
    sqrt = lambda self: Sqrt.apply(self._floating())
    rsqrt = lambda self: 1 / self.sqrt()
    reciprocal = lambda self: 1 / self._floating()
    square = lambda self: self * self
    sin = lambda self: Sin.apply(self._floating())
    cos = lambda self: Cos.apply(self._floating())
    sigmoid = lambda self: Sigmoid.apply(self._floating())
    tanh = lambda self: Tanh.apply(self._floating())
    relu = lambda self: ReLU.apply(self)
    softmax = lambda self, dim: Softmax.apply(self._floating(), dim=dim)
    log_softmax = lambda self, dim: LogSoftmax.apply(self._floating(), dim=dim)

    def abs(self):
        return Abs.apply(self) if self.array.dtype.kind == "f" else self._const(abs(self.array))

    def _no_grad_map(self, name):  # PyTorch's gradient of these is 0 almost everywhere
        return self._const(getattr(get_array_module(self.array), name)(self.array))

    sign = lambda self: self._no_grad_map("sign")
    floor = lambda self: self._no_grad_map("floor")
    ceil = lambda self: self._no_grad_map("ceil")
    round = lambda self: self._no_grad_map("round")
    trunc = lambda self: self._no_grad_map("trunc")

    def clamp(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
        if _is_tensor(min) or _is_tensor(max):
            out = self if min is None else self.maximum(min)
            return out if max is None else out.minimum(max)
        x = self if self.array.dtype.kind == "f" or all(
            isinstance(v, (int, type(None))) for v in (min, max)) else self._floating()
        return Clamp.apply(x, min=min, max=max)

    clip = clamp
    clamp_min = lambda self, min: self.clamp(min=min)
    clamp_max = lambda self, max: self.clamp(max=max)

    def maximum(self, other):
        a, b = self._promote(other)
        return Maximum.apply(a, b)

    def minimum(self, other):
        a, b = self._promote(other)
        return Minimum.apply(a, b)

    def where(self, condition, other):
        """self where condition, else other (torch.Tensor.where)."""
        a, b = self._promote(other)
        return Where.apply(getattr(condition, "array", condition), a, b)

    def masked_fill(self, mask, value):
        """self with `value` wherever mask is True (differentiable in self)."""
        value = value.item() if _is_tensor(value) else value
        return Where.apply(getattr(mask, "array", mask), self.array.dtype.type(value), self)

    # ---- triangles and products built from the ops above (their gradients come with them) ----------
    def _triangle(self, diagonal, lower):
        if self.ndim < 2:
            raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
        n, m = self.shape[-2:]
        xp = get_array_module(self.array)
        keep = xp.tri(n, m, diagonal, dtype=bool) if lower else ~xp.tri(n, m, diagonal - 1, dtype=bool)
        return Where.apply(keep, self, self.array.dtype.type(0))  # zero outside, even where self is inf

    tril = lambda self, diagonal=0: self._triangle(diagonal, lower=True)
    triu = lambda self, diagonal=0: self._triangle(diagonal, lower=False)

    def outer(self, vec2):
        if self.ndim != 1 or vec2.ndim != 1:
            raise RuntimeError(f"outer: expected two 1-D tensors, got {self.ndim}-D and {vec2.ndim}-D")
        return self.reshape(-1, 1) * vec2.reshape(1, -1)

    ger = outer

    def dot(self, other):
        if self.ndim != 1 or other.ndim != 1:
            raise RuntimeError(f"1D tensors expected, but got {self.ndim}D and {other.ndim}D tensors")
        if self.dtype != other.dtype:
            raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                               f"{dtypes.name(self.dtype)} and {dtypes.name(other.dtype)}")
        if self.shape[0] != other.shape[0]:
            raise RuntimeError(f"inconsistent tensor size, expected tensor [{self.shape[0]}] and src "
                               f"[{other.shape[0]}] to have the same number of elements")
        return (self * other).sum()

    def bmm(self, mat2):
        """Batched matrix product: (B, N, K) @ (B, K, M) -> (B, N, M), both 3-D, as torch.bmm."""
        for name, t in (("batch1", self), ("batch2", mat2)):
            if t.ndim != 3:
                raise RuntimeError(f"{name} must be a 3D tensor")
        if mat2.shape[:2] != (self.shape[0], self.shape[2]):
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{self.shape[0]}, {self.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
        return self @ mat2

    # ---- new tensors like this one (dtype and device kept, as PyTorch's new_*) -------------------
    def _new(self, array, dtype, requires_grad):
        xp = get_array_module(self.array)
        out = self._const(xp.asarray(array, dtype=dtypes.as_dtype(dtype) or self.array.dtype))
        return out.requires_grad_(True) if requires_grad else out

    def new_zeros(self, *size, dtype=None, requires_grad=False):
        return self._new(np.zeros(_sizes(size)), dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False):
        return self._new(np.ones(_sizes(size)), dtype, requires_grad)

    new_empty = new_zeros

    def new_full(self, size, fill_value, dtype=None, requires_grad=False):
        return self._new(np.full(_sizes((size,)), fill_value), dtype, requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        data = data.numpy() if _is_tensor(data) else data
        return self._new(np.array(data), dtype, requires_grad)
