"""In-place ops with PyTorch's rules: `x += 1`, `x.add_(y)`, `x[mask] = 0`, `x.zero_()`...

They change the tensor's own array, so every alias and view sees the change.
Outside the graph (no_grad, or nothing requires grad) that is all they do. A
leaf that requires grad refuses them outside no_grad(), as in PyTorch. A tensor
in the graph gets its history rewritten: the op runs out of place on a copy of
the old value and the tensor continues from the result. Two ops need no copy:
add_/sub_ (their backward reads no input) and relu_ (its backward reads its
output) write straight into the tensor's array, as PyTorch's do (`_inplace_op`).
A view of a tensor (x[0], x[:, 1]) writes through to its base, whose history changes the same way.
Every change counts in the version counter that a tensor shares with its views,
so a backward that saved the old value refuses to run (autograd.Function.check_versions).
"""
import numpy as np

from . import dtypes
from .autograd import is_grad_enabled
from .backend import get_array_module
from .random_source import rng
from .ops.activations import ReLU
from .ops.arithmetic import Add, Sub
from .ops.elementwise import Where
from .ops.shapes import GetItem, IndexPut, torch_index
from .tensor_special import scalar_name
from .tensor_shape import index_arrays


def _is_tensor(x):
    return hasattr(x, "_result_class")


def _shares_elements(array):
    """An expanded array: several of its elements are one place in memory (a stride of 0)."""
    return array.size > 1 and any(s == 0 and n > 1 for s, n in zip(array.strides, array.shape))


def _into_self(name):
    """The in-place form `name_` of the method `name`: its result written into self (`_inplace`)."""
    def method(self, *args, **kwargs):
        return self._inplace(lambda t: getattr(t, name)(*args, **kwargs), *args, *kwargs.values())
    method.__name__ = method.__qualname__ = name + "_"
    method.__doc__ = f"x.{name}_(...): x.{name}(...) written into x itself."
    return method


class InPlaceMethods:
    def _inplace(self, compute, *others):
        """Write `compute(t)` (an out-of-place op on a tensor holding self's values) into self.

        Outside the graph this is a plain write. In the graph, `compute` runs on a copy of
        the old value (a backward may keep it) and self's history becomes the result's."""
        recording = is_grad_enabled() and (
            self.requires_grad or any(getattr(o, "requires_grad", False) for o in others))
        if not recording:
            result = compute(self)
            self._write(result.array)
            return self
        if self._view_of is not None and self._view_of[0]._node is not self._view_of[1]:
            self._remake_view()
        if self.requires_grad and self._node is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        old = self._result_class._wrap(self.array.copy(), self._node)
        result = compute(old)
        self._check_result(result.array)
        if result.dtype != self.dtype:
            result = result.to(self.dtype)
        if not result.requires_grad:  # no derivative (logical_not_...): PyTorch records nothing, history stays
            self._write(result.array)
            return self
        view = self._view_of
        if view is None:
            self._write(result.array)
        elif view[2] is GetItem:  # a slice of a base tensor: the base's history changes
            base = view[0]
            if base.requires_grad and base._node is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            base[view[3]["index"]] = result
            self._view_of = (base, base._node, GetItem, view[3])
        else:
            raise RuntimeError(
                "an in-place op on a view made by reshape/view/transpose/expand of a tensor in the graph is not "
                "supported by minigrad (PyTorch rewrites the base's history): use the out-of-place form, or "
                "change the base tensor itself")
        self._node, self.requires_grad = result._node, True
        return self

    def _inplace_op(self, op, *others, compute):
        """self = op(self, *others), the op's forward writing its result straight into self's array
        (`out=`): no temporary, and in the graph no copy of the old value. Only for ops whose
        backward reads neither self's old value nor any array but this one (add keeps nothing,
        relu its output) and whose result has self's dtype and shape. A view in the graph goes
        `_inplace`'s way with `compute`, which rewrites its base's history."""
        recording = is_grad_enabled() and (
            self.requires_grad or any(getattr(o, "requires_grad", False) for o in others))
        if recording and self._view_of is not None:
            return self._inplace(compute, *others)
        if recording and self.requires_grad and self._node is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        self._version[0] += 1  # counted first: the op's check of a kept output then expects this version
        result = op.apply(self, *others, out=self.array)
        if recording:
            self._node, self.requires_grad = result._node, True
        return self

    def _add_(self, other, alpha, op, compute):
        """add_/sub_: straight into self when other (a tensor or number) needs no cast of self and
        broadcasts to self's shape; otherwise `_inplace`, whose errors are PyTorch's."""
        plain = type(alpha) is int and alpha == 1 and self.array.dtype.kind != "b" and \
            getattr(other, "dtype", None) != dtypes.bool and not isinstance(other, (bool, np.bool_))
        pair = self._promote(other) if plain else None  # bools (and alpha) take the checks of add/sub
        if pair is not None and pair[0] is self and self._fits(pair[1]) and not _shares_elements(self.array):
            return self._inplace_op(op, pair[1], compute=compute)
        return self._inplace(compute, other)

    def _fits(self, other):
        """True when other (a tensor or a number) broadcasts to self's shape on self's device."""
        if not _is_tensor(other):
            return True
        if other.device != self.device:
            return False
        try:
            return np.broadcast_shapes(self.array.shape, other.array.shape) == self.array.shape
        except ValueError:
            return False

    def _check_result(self, array):
        """PyTorch's refusals of an in-place result: of a higher kind than self's dtype (a float result
        into an integer tensor), larger than self (broadcasting grows only the other operand), or
        written into an expanded tensor, whose elements share memory."""
        if array.dtype != self.array.dtype and dtypes.category(array.dtype) > dtypes.category(self.array.dtype):
            raise RuntimeError(f"result type {scalar_name(array.dtype)} can't be cast to the desired output "
                               f"type {scalar_name(self.array.dtype)}")
        if array.shape != self.array.shape and np.broadcast_shapes(array.shape, self.array.shape) != self.array.shape:
            raise RuntimeError(f"output with shape {list(self.array.shape)} doesn't match the broadcast shape "
                               f"{list(array.shape)}")
        if _shares_elements(self.array):
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")

    def _write(self, array):
        """Copy `array` into self's own memory and count the change."""
        self._check_result(array)
        if array is not self.array:
            self.array[...] = array
        self._version[0] += 1

    def __setitem__(self, index, value):
        """x[index] = value, in place, with PyTorch's rules (value: a number or a Tensor)."""
        index = index_arrays(index)
        if _is_tensor(value):
            if value.device != self.device:
                raise RuntimeError(f"x[index] = value: value is on {value.device}, the tensor on {self.device}")
            parts = index if isinstance(index, tuple) else (index,)
            mask_only = len(parts) == 1 and getattr(parts[0], "dtype", None) == dtypes.bool  # x[mask] = v
            if value.dtype != self.dtype and not mask_only and any(  # PyTorch's index_put: one dtype
                    isinstance(p, (bool, list)) or hasattr(p, "shape") and not isinstance(p, np.generic)
                    for p in parts):
                raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                                   f"{dtypes.name(self.dtype)} for the destination and {dtypes.name(value.dtype)} "
                                   "for the source (convert the value: value.to(x.dtype))")
        elif not isinstance(value, (int, float, bool, np.generic)):
            value = self.new_tensor(value)
        if not (is_grad_enabled() and (self.requires_grad or getattr(value, "requires_grad", False))):
            view, rest = torch_index(self.array, index)
            view[rest] = value.array if _is_tensor(value) else value
            self._version[0] += 1
            return
        if _is_tensor(value) and value.dtype != self.dtype:
            value = value.to(self.dtype)
        self._inplace(lambda t: IndexPut.apply(t, value, index=index), value)

    # ---- the in-place forms --------------------------------------------------------------------
    __iadd__ = add_ = lambda self, other, alpha=1: self._add_(other, alpha, Add, lambda t: t.add(other, alpha))
    __isub__ = sub_ = lambda self, other, alpha=1: self._add_(other, alpha, Sub, lambda t: t.sub(other, alpha))
    __imul__ = mul_ = lambda self, other: self._inplace(lambda t: t * other, other)
    __itruediv__ = lambda self, other: self._inplace(lambda t: t / other, other)
    div_ = divide_ = lambda self, other, *, rounding_mode=None: self._inplace(
        lambda t: t.div(other, rounding_mode=rounding_mode), other)
    __ipow__ = pow_ = lambda self, other: self._inplace(lambda t: t ** other, other)
    __ifloordiv__ = lambda self, other: self._inplace(lambda t: t // other, other)
    __imod__ = lambda self, other: self._inplace(lambda t: t % other, other)
    __iand__ = bitwise_and_ = lambda self, other: self._inplace(lambda t: t & other, other)
    __ior__ = bitwise_or_ = lambda self, other: self._inplace(lambda t: t | other, other)
    __ixor__ = bitwise_xor_ = lambda self, other: self._inplace(lambda t: t ^ other, other)
    neg_ = lambda self: self._inplace(lambda t: -t)
    relu_ = lambda self: self._inplace_op(ReLU, compute=lambda t: t.relu()) if self.array.dtype.kind != "b" \
        else self.relu()  # which refuses bools, as PyTorch
    exp_ = lambda self: self._inplace(lambda t: t.exp())
    sqrt_ = lambda self: self._inplace(lambda t: t.sqrt())
    clamp_ = clip_ = lambda self, min=None, max=None: self._inplace(lambda t: t.clamp(min, max), min, max)
    masked_fill_ = lambda self, mask, value: self._inplace(lambda t: t.masked_fill(mask, value), value)

    abs_ = lambda self: self._inplace(lambda t: t.abs())

    # the maps, each its out-of-place form written into self (which keeps its dtype: a float result
    # is refused by an integer tensor, as in PyTorch)
    (sigmoid_, tanh_, log_, log1p_, log2_, log10_, exp2_, expm1_, erf_, erfc_, sin_, cos_, tan_, sinh_, cosh_,
     asin_, acos_, atan_, arcsin_, arccos_, arctan_, floor_, ceil_, round_, trunc_, fix_, frac_, sign_, reciprocal_,
     square_, rsqrt_, clamp_min_, clamp_max_, fmod_, remainder_, floor_divide_, true_divide_, lerp_, atan2_,
     arctan2_, logical_and_, logical_or_, logical_xor_, logical_not_, index_add_, index_copy_, index_fill_) = map(
        _into_self, "sigmoid tanh log log1p log2 log10 exp2 expm1 erf erfc sin cos tan sinh cosh asin acos atan "
                    "arcsin arccos arctan floor ceil round trunc fix frac sign reciprocal square rsqrt clamp_min "
                    "clamp_max fmod remainder floor_divide true_divide lerp atan2 arctan2 logical_and logical_or "
                    "logical_xor logical_not index_add index_copy index_fill".split())

    def fill_diagonal_(self, fill_value, wrap=False):
        """Write fill_value on the main diagonal self[i, i, ..., i] (all dims of one length, or a
        matrix); wrap=True continues down a tall matrix every (columns + 1) rows, as numpy's."""
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        n = self.shape[1]
        if self.ndim > 2 and any(k != n for k in self.shape):
            raise RuntimeError("all dimensions of input must be of equal length")
        step = sum(n ** k for k in range(self.ndim))  # one more along every dim: the flat distance
        end = self.array.size if wrap and self.ndim == 2 else min(self.shape[0], n) * step
        xp = get_array_module(self.array)
        mask = xp.zeros(self.array.size, dtype=bool)
        mask[xp.arange(0, min(end, self.array.size), step)] = True
        return self.masked_fill_(self._const(mask.reshape(self.shape)), fill_value)

    def scatter_(self, dim, index, src=None, value=None):
        return self._inplace(lambda t: t.scatter(dim, index, src, value), src)

    def scatter_add_(self, dim, index, src):
        return self._inplace(lambda t: t.scatter_add(dim, index, src), src)

    def fill_(self, value):
        if _is_tensor(value) and value.requires_grad and is_grad_enabled():  # a 0-d tensor in the graph:
            if value.array.ndim:  # it gets the sum of self's gradient
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.array.ndim} dimensions.")
            return self._inplace(lambda t: Where.apply(np.True_, value._cast(self.array.dtype), t), value)
        value = dtypes.fill_value(value.item() if _is_tensor(value) else value, self.array.dtype)
        return self._inplace(lambda t: Where.apply(np.True_, value, t))

    def zero_(self):
        return self.fill_(0)

    def copy_(self, src):
        """Copy src's values (broadcast, converted to self's dtype and device) into self."""
        if not _is_tensor(src):
            src = self._const(get_array_module(self.array).asarray(src))
        src = src.to(self.device)._cast(self.array.dtype)
        return self._inplace(lambda t: Where.apply(np.True_, src, t), src)

    def _random_(self, draw):
        xp = get_array_module(self.array)
        values = draw(rng()).astype(self.array.dtype)
        values = values if xp is np else xp.asarray(values)
        return self._inplace(lambda t: Where.apply(np.True_, values, t))

    def _floats_only(self, kernel):
        if self.array.dtype.kind != "f":
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_name(self.array.dtype)}': "
                                      "these samples need a float tensor")

    def normal_(self, mean=0.0, std=1.0):
        """Fill with samples of N(mean, std^2) from minigrad's seeded source."""
        self._floats_only("normal_kernel_cpu")
        return self._random_(lambda r: r.normal(mean, std, self.shape))

    def uniform_(self, a=0.0, b=1.0):
        """Fill with samples of U[a, b) from minigrad's seeded source."""
        self._floats_only("check_uniform_bounds")
        return self._random_(lambda r: r.uniform(a, b, self.shape))
