"""PyTorch's second names for Tensor methods, and the small methods made of one other: multiply_ is
mul_, greater_equal is ge, sgn is sign (for real numbers), fliplr is flip(1), mH is mT, t_ is t
written back into the tensor itself. Also what a tensor can say about its dtype and memory
(is_signed, nbytes, storage_offset). Each is one line of composition, so that the maths lives in one
place: the method it names."""
import warnings

from . import dtypes
from .autograd import is_grad_enabled
from .array_module import get_array_module
from .tensor_special import not_implemented_for


def _in_place_compare(name):
    """x.eq_(y) and the other comparisons in place: x holds 1 where the comparison holds, else 0, in its
    own dtype. In the graph PyTorch records the comparison, whose gradient is zero (to x and to y)."""
    def method(self, other):
        def compute(t):
            result = getattr(t, name)(other)
            operands = [o for o in (t, other) if getattr(o, "requires_grad", False)]
            for o in operands:  # where(all-False mask): the values of 0, a gradient of zeros to o
                result = result + o.where(o._const(get_array_module(o.array).zeros(o.shape, bool)), 0)
            return result
        return self._inplace(compute, other)
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"x.{name}_(other): x.{name}(other) written into x, in x's dtype."
    return method


def _in_place_shape(name):
    """t_, transpose_, squeeze_, unsqueeze_: self becomes the view the method gives (same memory)."""
    def method(self, *args, **kwargs):
        if is_grad_enabled() and self.requires_grad and self._node is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        result = getattr(self, name)(*args, **kwargs)
        self.array = result.array
        if result.requires_grad:
            self._node = result._node
        self._version[0] += 1
        return self
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"x.{name}_(...): x becomes x.{name}(...), a view of the same memory."
    return method


def _checked(result, name, other):
    if result is NotImplemented:
        raise TypeError(f"{name}(): argument 'other' must be Tensor or Number, not {type(other).__name__}")
    return result


class AliasMethods:
    # ---- arithmetic and comparison under their long names ----------------------------------------
    multiply_ = lambda self, other: self.mul_(other)
    subtract_ = lambda self, other, alpha=1: self.sub_(other, alpha)
    greater_equal = lambda self, other: self.ge(other)
    less_equal = lambda self, other: self.le(other)
    not_equal = lambda self, other: self.ne(other)
    eq_, ne_, lt_, le_, gt_, ge_ = map(_in_place_compare, ("eq", "ne", "lt", "le", "gt", "ge"))
    greater_, greater_equal_ = gt_, ge_
    less_, less_equal_, not_equal_ = lt_, le_, ne_
    negative_ = lambda self: self.neg_()
    positive = lambda self: +self
    sgn = lambda self: self.sign()  # real numbers: the sign
    sgn_ = lambda self: self.sign_()

    # ---- bitwise ops, as the operators ----------------------------------------------------------
    bitwise_and = lambda self, other: _checked(self.__and__(other), "bitwise_and", other)
    bitwise_or = lambda self, other: _checked(self.__or__(other), "bitwise_or", other)
    bitwise_xor = lambda self, other: _checked(self.__xor__(other), "bitwise_xor", other)
    bitwise_left_shift = lambda self, other: _checked(self << other, "bitwise_left_shift", other)
    bitwise_right_shift = lambda self, other: _checked(self >> other, "bitwise_right_shift", other)
    bitwise_left_shift_ = lambda self, other: self.__ilshift__(other)
    bitwise_right_shift_ = lambda self, other: self.__irshift__(other)
    def bitwise_not(self):
        if self.array.dtype.kind not in "biu":
            raise not_implemented_for("bitwise_not_cpu", self.array.dtype)
        return ~self

    bitwise_not_ = lambda self: self._inplace(lambda t: t.bitwise_not())

    # ---- flips, rotations and transposes ----------------------------------------------------------
    msort = lambda self: self.sort(dim=0).values

    def fliplr(self):
        if self.ndim < 2:
            raise RuntimeError("Input must be >= 2-d.")
        return self.flip(1)

    def flipud(self):
        if self.ndim < 1:
            raise RuntimeError("Input must be >= 1-d.")
        return self.flip(0)

    def rot90(self, k=1, dims=(0, 1)):
        """Rotate by k quarter turns, from dims[0] towards dims[1]: a flip and a transpose."""
        if len(dims) != 2:
            raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
        if self.ndim < 2:
            raise RuntimeError(f"expected total dims >= 2, but got total dims = {self.ndim}")
        d0, d1 = self._dim(dims[0]), self._dim(dims[1])
        if d0 == d1:
            raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = "
                               f"{dims[1]}")
        k %= 4
        if k == 1:
            return self.flip(d1).transpose(d0, d1)
        if k == 2:
            return self.flip(d0, d1)
        if k == 3:
            return self.flip(d0).transpose(d0, d1)
        return self.clone()

    ravel = lambda self: self.contiguous().view(-1)  # a copy of a non-contiguous tensor, as PyTorch
    t_, transpose_, squeeze_, unsqueeze_ = map(_in_place_shape, ("t", "transpose", "squeeze", "unsqueeze"))

    @property
    def mH(self):
        """The conjugate transpose of each matrix: for real numbers, mT."""
        if self.ndim == 0:
            warnings.warn("Tensor.mH is deprecated on 0-D tensors. Consider using x.conj().", UserWarning)
        elif self.ndim < 2:
            raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got "
                               f"{self.ndim}-D tensor.")
        return self.mT

    @property
    def H(self):
        """The conjugate transpose of a matrix: for real numbers, its transpose."""
        if self.ndim == 0:
            warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().", UserWarning)
        elif self.ndim != 2:
            raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {self.ndim}-D tensor."
                               + (" For batches of matrices, consider using tensor.mH" if self.ndim > 2 else ""))
        return self.mT

    # ---- dtype and memory -----------------------------------------------------------------------
    short = lambda self: self.to(dtypes.int16)
    char = lambda self: self.to(dtypes.int8)
    is_signed = lambda self: self.array.dtype.kind in "if"
    is_complex = lambda self: False  # minigrad has no complex dtypes
    nbytes = property(lambda self: self.array.size * self.array.itemsize)

    def storage_offset(self):
        """How many elements into its memory this tensor starts (a view's distance from its base)."""
        def address(a):
            return a.data.ptr if hasattr(a.data, "ptr") else a.__array_interface__["data"][0]
        base = self.array
        while getattr(base, "base", None) is not None and hasattr(base.base, "dtype"):
            base = base.base
        return (address(self.array) - address(base)) // self.array.itemsize
