"""Tensor's maths: elementwise maps (exp, log, relu, softmax...), the step functions (sign,
floor, round...), clamp, maximum/minimum, where and masked_fill, products built from them;
its operators (+ - * / ...) with PyTorch's type promotion are in tensor_operators.py (their
in-place forms in tensor_inplace.py; reductions in tensor_reduce.py).

Each method converts its operands to the dtype PyTorch would give the result
(minigrad/dtypes.py) and calls one op of minigrad/ops/. `exp`, `log`, `sqrt`... of
integers give float32; PyTorch's refusals (relu or abs of bools, softmax of integers) are kept.
"""
import numpy as np

from . import dtypes
from .autograd import is_grad_enabled
from .array_module import get_array_module
from .ops.activations import LogSoftmaxOp, Relu, SigmoidOp, SoftmaxOp, TanhOp
from .ops.exp_log import Exp, Log
from .ops.arithmetic import Reciprocal
from .ops.layout import elementwise_result as torch_layout
from .ops.elementwise import (Abs, Ceil, Clamp, Cos, Floor, Log1p, Maximum, Minimum, Round, Sign, Sin, Sqrt,
                              Trunc, Where)
from .tensor_operators import same_dtype  # noqa: F401  (same_dtype: nn/functional's)
from .tensor_special import scalar_name


def _sizes(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    size = tuple(int(n) for n in size)
    negative = [n for n in size if n < 0]
    if negative:
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative[0]}: {list(size)}")
    return size


def _is_tensor(x):
    return hasattr(x, "_result_class")


def bool_mask(mask, refusal, byte_ok=False):
    """The array of a condition or mask, which PyTorch wants boolean (a 0/1 integer mask is refused;
    where's condition may still be uint8, PyTorch's deprecated byte masks)."""
    mask = getattr(mask, "array", mask)
    dtype = getattr(mask, "dtype", None)
    if byte_ok and dtype == dtypes.uint8:
        return mask.astype(bool)
    if dtype is not None and dtype.kind != "b":
        raise RuntimeError(f"{refusal}, but got a tensor with dtype {dtypes.name(dtype)}: compare it first "
                           "(mask != 0) or convert it with .bool()")
    return mask


class MathMethods:
    # ---- comparisons (the operators are in tensor_operators.py) ---------------------------------
    def equal(self, other):
        return self.shape == other.shape and bool((self.array == other.array).all())

    def allclose(self, other, rtol=1e-5, atol=1e-8, equal_nan=False):
        """isclose everywhere (one dtype both, as PyTorch's)."""
        return bool(self.isclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan).all())

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
    rsqrt = lambda self: self.sqrt().reciprocal()
    reciprocal = lambda self: Reciprocal.apply(self._floating())
    sin = lambda self: Sin.apply(self._floating())
    cos = lambda self: Cos.apply(self._floating())
    sigmoid = lambda self: SigmoidOp.apply(self._floating())
    tanh = lambda self: TanhOp.apply(self._floating())

    def square(self):
        """x ** 2, as PyTorch (its gradient grad * (2 x), PowBackward0); a bool tensor squares as an int64 one."""
        x = self._cast(dtypes.int64) if self.array.dtype.kind == "b" else self
        return x ** 2

    def relu(self):
        if self.array.dtype.kind == "b":
            raise RuntimeError("Boolean inputs not supported for relu")
        return Relu.apply(self)

    def _float_only(self, name, dtype, dim=None):
        """softmax and log_softmax take float tensors only, or a float `dtype=` to convert to first
        (a dim out of range is refused before the dtype, as PyTorch)."""
        if isinstance(dim, int):
            self._dim(dim)
        x = self if dtype is None else self._cast(dtypes.as_dtype(dtype))
        if x.array.dtype.kind != "f":
            raise NotImplementedError(f"\"{name}\" not implemented for '{dtypes.name(x.array.dtype)}': it needs a "
                                      f"float tensor (x.float().{name}(dim), or {name}(dim, dtype=minigrad.float32))")
        return x

    softmax = lambda self, dim, dtype=None: SoftmaxOp.apply(self._float_only("softmax", dtype, dim), dim=dim)
    log_softmax = lambda self, dim, dtype=None: LogSoftmaxOp.apply(self._float_only("log_softmax", dtype, dim),
                                                                 dim=dim)

    def _not_bool(self, name):
        if self.array.dtype.kind == "b":
            raise NotImplementedError(f"\"{name}\" not implemented for 'Bool': convert first, e.g. x.long()")
        return self

    def abs(self):
        self._not_bool("abs")
        return Abs.apply(self) if self.array.dtype.kind == "f" else self._const(abs(self.array))

    def _step(self, op, **options):
        """sign, floor, ceil, round, trunc: their derivative is 0 wherever it exists, and a float
        input keeps the result in the graph (x.grad is zeros), as PyTorch's; integers are unchanged."""
        if self.array.dtype.kind == "b":
            if op is Sign:
                return self._const(torch_layout(self.array.copy(order="K"), self.array))
            self._not_bool(op.op_name())
        if self.array.dtype.kind != "f" and op is not Sign:  # a copy in self's memory order, as PyTorch's
            return self._const(torch_layout(self.array.copy(order="K"), self.array))
        return op.apply(self, **options)

    sign = lambda self: self._step(Sign)
    floor = lambda self: self._step(Floor)
    ceil = lambda self: self._step(Ceil)
    def round(self, decimals=None):
        """Half to even, as PyTorch; integers round to themselves, but take no `decimals` (not even 0)."""
        if decimals is not None and self.array.dtype.kind != "f":
            raise NotImplementedError(f"\"round_cpu\" not implemented for '{scalar_name(self.array.dtype)}'")
        return self._step(Round, decimals=decimals or 0)
    trunc = fix = lambda self: self._step(Trunc)

    def clamp(self, min=None, max=None):
        """min(max(x, min), max), with numbers or tensors as bounds (not one of each, as PyTorch);
        the result takes the dtype PyTorch's promotion gives x and the bounds."""
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if any(_is_tensor(b) for b in (min, max)) and not all(_is_tensor(b) or b is None for b in (min, max)):
            # a number and a tensor: PyTorch reads a 0-d tensor outside the graph as a number, refuses others
            if any(_is_tensor(b) and (b.array.ndim or b.requires_grad) for b in (min, max)):
                raise TypeError("clamp() received an invalid combination of arguments: min and max must both be "
                                "numbers or both be Tensors (or None)")
            min, max = (b.item() if _is_tensor(b) else b for b in (min, max))
        bounds = [b for b in (min, max) if b is not None]
        tensors = [self] + [b for b in bounds if _is_tensor(b)]
        dtype = dtypes.result_type([t.array.dtype for t in tensors if t.array.ndim],
                                   [t.array.dtype for t in tensors if not t.array.ndim],
                                   [b for b in bounds if not _is_tensor(b)])
        if dtype.kind == "b" and len(tensors) != 2:  # PyTorch's bool kernels: one tensor bound only
            raise NotImplementedError("\"clamp\" not implemented for 'Bool' with number bounds or two tensor bounds: "
                                      "convert first, e.g. x.long()")
        lo, hi = (b._cast(dtype) if _is_tensor(b) else b if b is None else dtypes.fill_value(b, dtype)
                  for b in (min, max))
        return Clamp.apply(self._cast(dtype), lo, hi)

    clip = clamp
    clamp_min = lambda self, min: self.clamp(min=min)
    clamp_max = lambda self, max: self.clamp(max=max)

    def _elementwise_extreme(self, op, other):
        if not _is_tensor(other):
            raise TypeError(f"{op.pick}(): argument 'other' (position 1) must be Tensor, not {type(other).__name__} "
                            f"(for a number use clamp: x.clamp({'min' if op is Maximum else 'max'}=...))")
        a, b = self._promote(other)
        return op.apply(a, b)

    maximum = lambda self, other: self._elementwise_extreme(Maximum, other)
    minimum = lambda self, other: self._elementwise_extreme(Minimum, other)

    def where(self, condition, other):
        """self where condition, else other (torch.Tensor.where)."""
        self._check_fits(other)
        a, b = self._promote(other)
        return Where.apply(bool_mask(condition, "where expected condition to be a boolean tensor", byte_ok=True), a, b)

    def _check_fits(self, number):
        """A Python number that joins this tensor in `where` must fit the result's dtype, as PyTorch's
        (uint8 with 300, float32 with 1e300: RuntimeError), not wrap around or overflow to inf."""
        if isinstance(number, (int, float)) and not isinstance(number, bool):
            zero_dim = [self.array.dtype] if self.array.ndim == 0 else []
            dims = [self.array.dtype] if self.array.ndim else []
            dtypes.check_fits(number, dtypes.result_type(dims, zero_dim, [number]))

    def masked_fill(self, mask, value):
        """self with `value` wherever the bool mask is True; differentiable in self, and in value
        when it is a 0-d tensor (it receives the sum of the gradient where it was written)."""
        mask = bool_mask(mask, "masked_fill_ only supports boolean masks")
        if _is_tensor(value):
            if value.array.ndim:
                raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                                   f"{value.array.ndim} dimension(s).")
            if value.requires_grad and is_grad_enabled():
                if self.array.dtype.kind != "f":  # the result would need a gradient it cannot have
                    raise RuntimeError(f"Autograd not support dtype: {scalar_name(self.array.dtype)}")
                return Where.apply(mask, value._cast(self.array.dtype), self, row_major_out=True,
                                   backward_name="MaskedFillBackward1")
            value = value.item()
        return Where.apply(mask, dtypes.fill_value(value, self.array.dtype), self, row_major_out=True,
                           backward_name="MaskedFillBackward0")

    # ---- triangles and products built from the ops above (their gradients come with them) ----------
    def _triangle(self, diagonal, lower):
        if self.ndim < 2:
            raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
        n, m = self.shape[-2:]
        xp = get_array_module(self.array)
        keep = xp.tri(n, m, diagonal, dtype=bool) if lower else ~xp.tri(n, m, diagonal - 1, dtype=bool)
        return Where.apply(keep, self, self.array.dtype.type(0), row_major_out=True,  # 0 outside, even at inf
                           backward_name="TrilBackward0" if lower else "TriuBackward0")

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
        return self._product(other)  # in the vectors' own dtype (an int32 dot stays int32), no bools

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
        fill_value = dtypes.fill_value(fill_value, dtypes.as_dtype(dtype) or self.array.dtype)
        return self._new(np.full(_sizes((size,)), fill_value), dtype, requires_grad)

    def new_tensor(self, data, dtype=None, requires_grad=False):
        data = data.numpy() if _is_tensor(data) else data
        return self._new(np.array(data), dtype, requires_grad)
