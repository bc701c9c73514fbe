"""Tensor's maths: operators with PyTorch's type promotion, elementwise maps,
reductions and comparisons (their in-place forms are in tensor_inplace.py).

Each method converts its operands to the dtype PyTorch would give the result
(minigrad/dtypes.py) and calls one op of minigrad/ops/. Integer and bool tensors
stay integer where PyTorch keeps them (+, -, *, sum); `/`, exp, log, sqrt... of
integers give float32.
"""
import numpy as np

from . import dtypes, return_types
from .backend import get_array_module, to_device
from .ops.activations import Exp, Log, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .ops.arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .ops.elementwise import Abs, Clamp, Cos, Log1p, Maximum, Minimum, Sin, Sqrt, Where
from .ops.matmul import MatMul
from .ops.reductions import Cumsum, Max, Mean, Prod, Sum
from .ops.shapes import AsType, Gather

_NUMBER = (int, float, bool, np.number, np.bool_)


def _sizes(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    return tuple(int(n) for n in size)


def _is_tensor(x):
    return hasattr(x, "_result_class")


class MathMethods:
    # ---- type promotion ------------------------------------------------------------------
    def _cast(self, dtype):
        return self if self.data.dtype == dtype else AsType.apply(self, dtype=dtype)

    def _promote(self, other):
        """(self, other) converted to the dtype PyTorch gives their result; None if other is no operand."""
        dt = self.data.dtype
        if _is_tensor(other):
            odt = other.data.dtype
            if odt == dt:
                return self, other
            dims, zero = [], []
            (dims if self.data.ndim else zero).append(dt)
            (dims if other.data.ndim else zero).append(odt)
            rt = dtypes.result_type(dims, zero, ())
            return self._cast(rt), other._cast(rt)
        if isinstance(other, _NUMBER):
            if isinstance(other, float) and dt.kind == "f":
                return self, dt.type(other)
            rt = dtypes.result_type([dt] if self.data.ndim else [], [] if self.data.ndim else [dt], [other])
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
        return self if self.data.dtype.kind == "f" else AsType.apply(self, dtype=dtypes.float32)

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
    __matmul__ = lambda self, other: self._binary(MatMul, other)
    __rmatmul__ = lambda self, other: self._binary(MatMul, other, reverse=True)
    __neg__ = neg = lambda self: Neg.apply(self)
    __abs__ = lambda self: self.abs()
    __pos__ = lambda self: self

    def __truediv__(self, other, reverse=False):
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair
        if a.data.dtype.kind != "f":  # true division of integers gives float32
            a = a._floating()
            b = b._floating() if _is_tensor(b) else np.float32(b)
        return Div.apply(b, a) if reverse else Div.apply(a, b)

    __rtruediv__ = lambda self, other: self.__truediv__(other, reverse=True)
    div = divide = __truediv__

    def _no_grad_binary(self, ufunc, other, reverse=False):
        pair = self._promote(other)
        if pair is None:
            return NotImplemented
        a, b = pair[0].data, getattr(pair[1], "data", pair[1])
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
        xp = get_array_module(self.data)
        return self._const(xp.logical_not(self.data) if self.data.dtype == dtypes.bool else ~self.data)

    add = lambda self, other, alpha=1: self + (other * alpha if alpha != 1 else other)
    sub = subtract = lambda self, other, alpha=1: self - (other * alpha if alpha != 1 else other)
    mul = multiply = __mul__
    pow = __pow__
    matmul = mm = __matmul__

    # ---- comparisons: boolean tensors without a gradient -------------------------------------
    def _compare(self, other, ufunc):
        if _is_tensor(other):
            other = other.data
        elif not isinstance(other, _NUMBER) and not hasattr(other, "shape"):
            return NotImplemented
        return self._const(getattr(get_array_module(self.data), ufunc)(self.data, other))

    __eq__ = eq = lambda self, other: self._compare(other, "equal")
    __ne__ = ne = lambda self, other: self._compare(other, "not_equal")
    __lt__ = lt = less = lambda self, other: self._compare(other, "less")
    __le__ = le = lambda self, other: self._compare(other, "less_equal")
    __gt__ = gt = greater = lambda self, other: self._compare(other, "greater")
    __ge__ = ge = lambda self, other: self._compare(other, "greater_equal")
    __hash__ = None  # replaced in Tensor (identity hash)

    def equal(self, other):
        return self.shape == other.shape and bool((self.data == other.data).all())

    def allclose(self, other, rtol=1e-5, atol=1e-8):
        return bool(get_array_module(self.data).allclose(self.data, other.data, rtol=rtol, atol=atol))

    def isnan(self):
        return self._const(get_array_module(self.data).isnan(self.data))

    def isfinite(self):
        return self._const(get_array_module(self.data).isfinite(self.data))

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
        return Abs.apply(self) if self.data.dtype.kind == "f" else self._const(abs(self.data))

    def _no_grad_map(self, name):  # PyTorch's gradient of these is 0 almost everywhere
        return self._const(getattr(get_array_module(self.data), name)(self.data))

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
        x = self if self.data.dtype.kind == "f" or all(
            isinstance(v, (int, type(None))) for v in (min, max)) else self._floating()
        return Clamp.apply(x, min=min, max=max)

    clip = clamp

    def maximum(self, other):
        a, b = self._promote(other)
        return Maximum.apply(a, b)

    def minimum(self, other):
        a, b = self._promote(other)
        return Minimum.apply(a, b)

    def where(self, condition, other):
        """self where condition, else other (torch.Tensor.where)."""
        a, b = self._promote(other)
        return Where.apply(getattr(condition, "data", condition), a, b)

    def masked_fill(self, mask, value):
        """self with `value` wherever mask is True (differentiable in self)."""
        value = value.item() if _is_tensor(value) else value
        return Where.apply(getattr(mask, "data", mask), self.data.dtype.type(value), self)

    # ---- reductions ------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        x = self if self.data.dtype.kind == "f" else self._cast(dtypes.int64)  # bools and ints sum to int64
        if dtype is not None:
            x = x._cast(dtypes.as_dtype(dtype))
        return Sum.apply(x, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self._cast(dtypes.as_dtype(dtype))
        if x.data.dtype.kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {dtypes.name(x.data.dtype)}")
        return Mean.apply(x, dim=dim, keepdim=keepdim)

    def prod(self, dim=None, keepdim=False):
        x = self if self.data.dtype.kind == "f" else self._cast(dtypes.int64)
        return Prod.apply(x, dim=dim, keepdim=keepdim)

    def cumsum(self, dim):
        x = self if self.data.dtype.kind == "f" else self._cast(dtypes.int64)
        return Cumsum.apply(x, dim=dim)

    def amax(self, dim=None, keepdim=False):
        """The largest values over `dim` (a tie shares the gradient equally)."""
        return Max.apply(self, dim=dim, keepdim=keepdim)

    def amin(self, dim=None, keepdim=False):
        return -Max.apply(-self, dim=dim, keepdim=keepdim) if self.data.dtype.kind != "b" else \
            self._const(self.data.min(axis=dim, keepdims=keepdim))

    def _extreme(self, dim, keepdim, largest):
        if _is_tensor(dim):  # max(other): the elementwise maximum
            return self.maximum(dim) if largest else self.minimum(dim)
        if dim is None:
            return self.amax() if largest else self.amin()
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{'max' if largest else 'min'}(dim) takes one dimension, got {dim}: for the values "
                            f"over several use {'amax' if largest else 'amin'}(dim={tuple(dim)})")
        xp = get_array_module(self.data)
        pick = xp.argmax if largest else xp.argmin
        index = pick(self.data, axis=dim, keepdims=True)
        values = Gather.apply(self, index, dim=dim)  # the gradient goes to the one chosen element
        if not keepdim:
            values, index = values.squeeze(dim), index.squeeze(axis=dim)
        kind = return_types.max if largest else return_types.min
        return kind(values, self._const(index.astype(dtypes.int64, copy=False)))

    def max(self, dim=None, keepdim=False):
        """max(): the largest value; max(dim): the named tuple (values, indices), as PyTorch."""
        return self._extreme(dim, keepdim, True)

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, False)

    def argmax(self, dim=None, keepdim=False):
        out = get_array_module(self.data).argmax(self.data, axis=dim, keepdims=keepdim and dim is not None)
        return self._const(out.astype(dtypes.int64, copy=False))

    def argmin(self, dim=None, keepdim=False):
        out = get_array_module(self.data).argmin(self.data, axis=dim, keepdims=keepdim and dim is not None)
        return self._const(out.astype(dtypes.int64, copy=False))

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct values, sorted (no gradient), with the inverse indices and counts if asked."""
        xp = get_array_module(self.data)
        out = xp.unique(self.data, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
        if not isinstance(out, tuple):
            return self._const(out)
        values, rest = out[0], [o.astype(dtypes.int64).reshape(self.shape) if return_inverse and k == 0 else
                                 o.astype(dtypes.int64) for k, o in enumerate(out[1:])]
        return (self._const(values), *(self._const(r) for r in rest))

    def all(self, dim=None, keepdim=False):
        return self._const(get_array_module(self.data).all(self.data, axis=dim, keepdims=keepdim))

    def any(self, dim=None, keepdim=False):
        return self._const(get_array_module(self.data).any(self.data, axis=dim, keepdims=keepdim))

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The variance; `correction` (or `unbiased`) 1 divides by n - 1, as PyTorch's default."""
        if isinstance(dim, bool):  # x.var(False): the old `unbiased` overload
            dim, unbiased = None, dim
        if correction is None:
            correction = 0 if unbiased is False else 1
        x = self._floating()
        d = x - x.mean(dim, keepdim=True)
        n = x.data.size if dim is None else int(np.prod([x.shape[i] for i in np.atleast_1d(dim)]))
        return (d * d).sum(dim, keepdim=keepdim) / max(n - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over `dim` (all elements by default): 2 (or 'fro'), 1, inf or any p > 0."""
        x = self._floating()
        if p in ("fro", 2, 2.0):
            return (x * x).sum(dim, keepdim=keepdim).sqrt()
        if p == 1:
            return x.abs().sum(dim, keepdim=keepdim)
        if p == float("inf"):
            return x.abs().amax(dim, keepdim=keepdim)
        return (x.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        values, indices = self.sort(dim, descending=largest)
        n = values.shape[dim]
        if k > n:
            raise RuntimeError(f"topk: k ({k}) is larger than the size of dimension {dim} ({n})")
        return return_types.topk(values.narrow(dim, 0, k), indices.narrow(dim, 0, k))

    def sort(self, dim=-1, descending=False):
        index = self.argsort(dim, descending)
        return return_types.sort(Gather.apply(self, index.data, dim=dim), index)

    def argsort(self, dim=-1, descending=False):
        xp = get_array_module(self.data)
        data = self.data
        if descending:  # a stable descending order: sort the reversed array, map the indices back
            n = data.shape[dim]
            index = n - 1 - xp.flip(xp.argsort(xp.flip(data, dim), axis=dim, kind="stable"), dim)
        else:
            index = xp.argsort(data, axis=dim, kind="stable")
        return self._const(index.astype(dtypes.int64, copy=False))

    def type_as(self, other):
        return self.to(other.dtype)

    # ---- new tensors like this one (dtype and device kept, as PyTorch's new_*) -------------------
    def _new(self, array, dtype, requires_grad):
        xp = get_array_module(self.data)
        out = self._const(xp.asarray(array, dtype=dtypes.as_dtype(dtype) or self.data.dtype))
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
