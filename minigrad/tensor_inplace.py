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
so a backward that saved the old value refuses to run (Function.check_can_run, autograd/saved_tensors.py).
The fills (fill_, zero_, masked_fill_, copy_, normal_...) are in tensor_fill.py.
"""
import numpy as np

from . import dtypes
from .autograd import is_grad_enabled
from .autograd.saved_tensors import remake_stale_view
from .ops.activations import Relu
from .ops.arithmetic import Add, Sub
from .ops.broadcast_errors import ShapeError
from .ops.shapes import GetItem, IndexPut, torch_index
from .tensor_fill import shares_elements as _shares_elements
from .tensor_special import scalar_name
from .tensor_shape import index_arrays


def _is_tensor(x):
    return hasattr(x, "_result_class")


def _refuse_shapes(target, value):
    """x[index] = value where value's shape does not broadcast to the indexed part's: PyTorch's error."""
    target, value = tuple(target), tuple(value)
    if len(value) > len(target) and value[:len(value) - len(target)] != (1,) * (len(value) - len(target)):
        raise ShapeError(f"expand(value of shape {list(value)}, size={list(target)}): the number of sizes provided "
                         f"({len(target)}) must be greater or equal to the number of dimensions in the tensor "
                         f"({len(value)})")
    raise ShapeError(f"shape mismatch: value tensor of shape {list(value)} cannot be broadcast to indexing result "
                     f"of shape {list(target)}")


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
            result = self._computed(compute, self)
            self._write(result.array)
            return self
        if self._view_of is not None:
            remake_stale_view(self)  # a view whose base was changed in place since: its history first
        if self.requires_grad and self._node is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        old = self._result_class._wrap(self.array.copy(), self._node)
        result = self._computed(compute, old)
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
        `_inplace`'s way with `compute`, which rewrites its base's history (and an expanded tensor,
        whose refusal is `_check_result`'s)."""
        recording = is_grad_enabled() and (
            self.requires_grad or any(getattr(o, "requires_grad", False) for o in others))
        if recording and self._view_of is not None or _shares_elements(self.array):
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
        else:  # a number must fit self's dtype (inf into int64 is refused), as PyTorch's fill
            value = dtypes.fill_value(value, self.array.dtype)
        if not (is_grad_enabled() and (self.requires_grad or getattr(value, "requires_grad", False))):
            view, rest = torch_index(self.array, index)
            if _shares_elements(self.array):  # expanded: PyTorch writes through an indexed part of
                plain = all(isinstance(p, (int, slice, type(None), type(Ellipsis)))  # its own memory only
                            for p in (rest if isinstance(rest, tuple) else (rest,)))
                if plain and _shares_elements(view[rest]):
                    self._check_result(self.array)
                view = view.view()
                if not getattr(view.flags, "writeable", True):
                    view.flags.writeable = True
            try:
                view[rest] = value.array if _is_tensor(value) else value
            except ValueError:
                _refuse_shapes(view[rest].shape, value.shape)
                raise
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
    __iand__ = bitwise_and_ = lambda self, other: self._bitwise_(lambda t: t & other, other)
    __ior__ = bitwise_or_ = lambda self, other: self._bitwise_(lambda t: t | other, other)
    __ixor__ = bitwise_xor_ = lambda self, other: self._bitwise_(lambda t: t ^ other, other)
    __ilshift__ = lambda self, other: self._bitwise_(lambda t: t << other, other)
    __irshift__ = lambda self, other: self._bitwise_(lambda t: t >> other, other)

    def _bitwise_(self, compute, other):
        """A bitwise op written into self: a result of a higher category (an integer into a bool
        tensor, a float into an integer one) is refused before the op checks its dtypes, as PyTorch."""
        pair = self._promote(other)
        if pair is not None and dtypes.category(pair[0].array.dtype) > dtypes.category(self.array.dtype):
            raise RuntimeError(f"result type {scalar_name(pair[0].array.dtype)} can't be cast to the desired "
                               f"output type {scalar_name(self.array.dtype)}")
        return self._inplace(compute, other)
    neg_ = lambda self: self._inplace(lambda t: -t)
    relu_ = lambda self: self._inplace_op(Relu, compute=lambda t: t.relu()) if self.array.dtype.kind != "b" \
        else self.relu()  # which refuses bools, as PyTorch
    exp_ = lambda self: self._inplace(lambda t: t.exp())
    sqrt_ = lambda self: self._inplace(lambda t: t.sqrt())
    clamp_ = clip_ = lambda self, min=None, max=None: self._inplace(lambda t: t.clamp(min, max), min, max)

    def _computed(self, compute, t):
        """compute(t); where it refuses its operands' values or shapes, an expanded self is refused
        first, as PyTorch checks the written-to tensor before them (a wrong argument type still first)."""
        try:
            return compute(t)
        except (RuntimeError, ValueError, IndexError, NotImplementedError):
            if _shares_elements(self.array):
                self._check_result(self.array)
            raise

    abs_ = lambda self: self._inplace(lambda t: t.abs())

    # the maps, each its out-of-place form written into self (which keeps its dtype: a float result
    # is refused by an integer tensor, as in PyTorch)
    (sigmoid_, tanh_, log_, log1p_, log2_, log10_, exp2_, expm1_, erf_, erfc_, sin_, cos_, tan_, sinh_, cosh_,
     asin_, acos_, atan_, arcsin_, arccos_, arctan_, floor_, ceil_, round_, trunc_, fix_, frac_, sign_, reciprocal_,
     square_, rsqrt_, clamp_min_, clamp_max_, fmod_, remainder_, floor_divide_, true_divide_, lerp_, atan2_,
     arctan2_, logical_and_, logical_or_, logical_xor_, logical_not_, index_add_, index_copy_) = map(
        _into_self, "sigmoid tanh log log1p log2 log10 exp2 expm1 erf erfc sin cos tan sinh cosh asin acos atan "
                    "arcsin arccos arctan floor ceil round trunc fix frac sign reciprocal square rsqrt clamp_min "
                    "clamp_max fmod remainder floor_divide true_divide lerp atan2 arctan2 logical_and logical_or "
                    "logical_xor logical_not index_add index_copy".split())

    def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
        return self._inplace(lambda t: t.scatter(dim, index, src, value, reduce=reduce), src)

    def scatter_add_(self, dim, index, src):
        return self._inplace(lambda t: t.scatter_add(dim, index, src), src)
