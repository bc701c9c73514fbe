"""Ops that move numbers around without changing them: reshape, transpose,
permute, indexing, concatenation, dtype and device changes.

Their backward moves the gradient back the same way: reshape it to the
input's shape, transpose it back, or put it into the indexed positions of a
zero array (adding where an index repeats).
"""
import numpy as np

from ..array_module import device_of, get_array_module, scatter_add, to_device
from .arithmetic import unbroadcast
from .broadcast_errors import ShapeError
from .layout import elementwise_result as torch_layout, row_major
from .scatter import Gather  # noqa: F401  (gather lives with scatter, its reverse; imported from here too)
from ..autograd import Function


class Reshape(Function):
    backward_name = "ViewBackward0"  # PyTorch's name of this node
    is_view = True

    def forward(self, x, shape, backward_name=None):
        self.shape = x.shape
        if backward_name:  # the view op the caller computes with it: UnsqueezeBackward0, SqueezeBackward1...
            self.backward_name = backward_name
        try:
            return x.reshape(shape)
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.size} elements) "
                f"into shape {tuple(shape)}") from None

    def backward(self, grad):
        return grad.reshape(self.shape)


class Permute(Function):
    """Reorder dimensions; the backward applies the inverse order."""
    is_view = True

    def forward(self, x, dims, backward_name=None):
        if backward_name:  # the view op the caller computes with it: TransposeBackward0, TBackward0
            self.backward_name = backward_name
        if len(dims) != x.ndim:
            raise RuntimeError(f"permute(): number of dimensions in the tensor input does not match the length of "
                               f"the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to "
                               f"len(dims) = {len(dims)}")
        for d in dims:
            if not -x.ndim <= d < x.ndim:
                raise IndexError(f"Dimension out of range (expected to be in range of [{-x.ndim}, {x.ndim - 1}], "
                                 f"but got {d})")
        self.dims = tuple(d % x.ndim for d in dims)
        if len(set(self.dims)) != len(dims):
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        return x.transpose(self.dims)

    def backward(self, grad):
        return grad.transpose(tuple(np.argsort(self.dims)))


def _is_basic(index):
    """Basic indexing (ints, slices, None, ...) never repeats an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer)) for p in parts)


def integers_first(index):
    """PyTorch applies an index's integers before its tensors: x[2, 1:, idx] selects at 2 first, where
    numpy counts the 2 as one more index array (and then moves the indexed dims to the front). So
    such an index is two numpy indexings: the basic part (integers, slices, None; each array's dims
    kept whole), then the arrays alone. None where the index has no integer beside an array."""
    parts = index if isinstance(index, tuple) else (index,)
    is_int = [isinstance(p, (int, np.integer)) and not isinstance(p, bool) for p in parts]
    if not any(is_int) or all(p is None or p is Ellipsis or isinstance(p, slice) or i for p, i in zip(parts, is_int)):
        return None
    first, second = [], []
    for p, i in zip(parts, is_int):
        if i:
            first.append(p)
        elif p is None or isinstance(p, slice):
            first.append(p)
            second.append(slice(None))
        elif p is Ellipsis:
            first.append(p)
            second.append(p)
        else:  # an index array: a bool mask spans as many dims as it has (a Python bool none)
            p = p if isinstance(p, bool) or hasattr(p, "ndim") else np.asarray(p)  # a list or range: an array
            first.extend([slice(None)] * (0 if isinstance(p, bool) else p.ndim if p.dtype == bool else 1))
            second.append(p)
    return tuple(first), tuple(second)


def _basic_name(index, shape):
    """PyTorch's node for a basic index: it applies the parts in turn (an int selects, a slice
    slices, None unsqueezes), skipping whole slices inside a tuple; the last op names the node."""
    if not isinstance(index, tuple):
        index = (index,)
        if isinstance(index[0], slice):  # a lone slice is always sliced, even a whole one
            return "SliceBackward0"
    if any(isinstance(p, bool) for p in index):
        return "IndexBackward0"  # x[True]: PyTorch indexes with a tensor
    name, d, used = "AliasBackward0", 0, sum(p is not None and p is not Ellipsis for p in index)
    for p in index:
        if p is None:
            name = "UnsqueezeBackward0"
        elif p is Ellipsis:
            d += len(shape) - used
        else:
            if not isinstance(p, slice):
                name = "SelectBackward0"
            elif d >= len(shape) or p.indices(shape[d]) != (0, shape[d], 1):
                name = "SliceBackward0"
            d += 1
    return name


class GetItem(Function):
    """out = x[index];  dx = zeros with grad added at the indexed places."""
    backward_name = "IndexBackward0"  # PyTorch's name of this node (for index arrays)

    def forward(self, x, index, backward_name=None):
        if backward_name or _is_basic(index):  # SplitBackward0...; or SelectBackward0, SliceBackward0...
            self.backward_name = backward_name or _basic_name(index, x.shape)
        if not _is_basic(index):  # index arrays must live where x lives
            parts = index if isinstance(index, tuple) else (index,)
            parts = tuple(to_device(p, device_of(x)) if hasattr(p, "shape") else p for p in parts)
            index = parts if isinstance(index, tuple) else parts[0]
        else:
            self.is_view = "index"  # basic indexing gives a view that in-place ops can write through
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        try:
            base, rest = torch_index(x, index)
            out = base[rest]
            if self.is_view and isinstance(out, np.generic):  # x[0] of a vector is a numpy scalar, a copy:
                out = x[(*index, ...) if isinstance(index, tuple) else (index, ...)]  # a 0-d view instead
            return out if self.is_view else row_major(out)  # a gathered copy is row-major, as PyTorch's
        except IndexError as e:
            raise IndexError(f"index {index!r} is out of range for a tensor of shape {tuple(x.shape)}: {e}") from None

    def backward(self, grad):
        xp = get_array_module(grad)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        if _is_basic(self.index):
            out[self.index] = grad
        else:
            scatter_add(*torch_index(out, self.index), grad)
        return out


def torch_index(array, index):
    """(view, rest) with view[rest] the elements PyTorch's array[index] means (integers_first)."""
    split = integers_first(index)
    if split is None:
        return array, index
    first = split[0] if Ellipsis in split[0] else split[0] + (Ellipsis,)  # a view even when 0-d
    return array[first], split[1]


class IndexPut(Function):
    """out = x with out[index] = value (item assignment, `x[index] = value`);
    dx = grad with zeros at index, dvalue = grad[index] summed to value's shape."""
    op = "index_put"

    def forward(self, x, value, index, row_major_copy=False):
        self.index, self.value_shape = index, getattr(value, "shape", ())
        # a clone in x's memory order, as PyTorch's (index_copy's is row-major)
        out = x.copy() if row_major_copy else torch_layout(x.copy(order="K"), x)
        try:
            view, rest = torch_index(out, index)
            view[rest] = value
        except (ValueError, IndexError) as e:  # a value of the wrong shape: PyTorch's RuntimeError (and ValueError)
            kind = IndexError if isinstance(e, IndexError) else ShapeError
            raise kind(f"x[index] = value: {e} (tensor of shape {tuple(x.shape)})") from None
        return out

    def backward(self, grad):
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = grad.copy()
            view, rest = torch_index(gx, self.index)
            view[rest] = 0
        if self.needs_input_grad[1]:
            view, rest = torch_index(grad, self.index)
            gv = unbroadcast(view[rest], self.value_shape)
        return gx, gv


class Expand(Function):
    """Broadcast size-1 dimensions to a larger size (a view);  the gradient is summed back."""
    is_view = True

    def forward(self, x, shape):
        self.shape = x.shape
        if len(shape) < x.ndim:
            raise RuntimeError(f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to "
                               f"the number of dimensions in the tensor ({x.ndim})")
        shape = tuple(n if m == -1 else m for n, m in zip((None,) * (len(shape) - x.ndim) + x.shape, shape))
        try:
            out = get_array_module(x).broadcast_to(x, shape)
            if isinstance(out, np.ndarray) and out.size <= 1 and x.flags.writeable:  # numpy's view is read-only,
                out = np.lib.stride_tricks.as_strided(x, out.shape, out.strides)  # but nothing here is shared
            return out
        except (ValueError, TypeError):
            raise RuntimeError(f"expand: cannot expand shape {tuple(x.shape)} to {shape}: only size-1 "
                               "dimensions can grow (the expanded size must match the existing size at "
                               "non-singleton dimensions)") from None

    def backward(self, grad):
        return unbroadcast(grad, self.shape)


class Repeat(Function):
    """Tile x `repeats` times along each dimension (torch.Tensor.repeat);
    dx = the sum of grad over the copies."""
    def forward(self, x, repeats):
        if len(repeats) < x.ndim:
            raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions "
                               f"of tensor (repeat{tuple(repeats)} of a tensor of shape {tuple(x.shape)})")
        if any(r < 0 for r in repeats):
            raise RuntimeError(f"repeat: the repeat counts {tuple(repeats)} must not be negative")
        self.input_shape = x.shape
        x = x.reshape((1,) * (len(repeats) - x.ndim) + x.shape)
        self.shape = x.shape
        return get_array_module(x).tile(x, repeats)

    def backward(self, grad):
        split = []
        for g, n in zip(grad.shape, self.shape):
            split += [g // n if n else 0, n]  # (copies, original size) per dimension
        axes = tuple(range(0, 2 * len(self.shape), 2))
        return grad.reshape(split).sum(axis=axes).reshape(self.input_shape)


class Flip(Function):
    """Reverse the order along `dims`;  the gradient is flipped back."""
    def forward(self, x, dims):
        for d in dims:
            if dims.count(d) > 1:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        self.dims = dims if x.ndim else ()  # a 0-d tensor flips along dim 0 or -1 to itself
        return torch_layout(get_array_module(x).flip(x, self.dims).copy(), x)

    def backward(self, grad):
        return get_array_module(grad).flip(grad, self.dims)


class Clone(Function):
    """A copy with its own memory;  the gradient passes through. As PyTorch's clone (its
    preserve_format) the copy keeps the input's memory order: a transposed input gives a
    transposed copy (numpy's order 'K'); contiguous=True gives a C-ordered one (contiguous())."""
    def forward(self, x, contiguous=False):
        return x.copy(order="C") if contiguous else torch_layout(x.copy(order="K"), x)

    def backward(self, grad):
        return grad


class Concat(Function):
    """Join tensors along `dim`;  each input's gradient is its slice of grad. As PyTorch, an empty
    1-d tensor (shape (0,)) joins anything (it is left out), and a 0-d one nothing."""
    backward_name = "CatBackward0"  # PyTorch's name of this node
    def forward(self, *xs, dim=0, backward_name=None):
        if backward_name:  # StackBackward0: torch.stack joins the inputs unsqueezed
            self.backward_name = backward_name
        xp = get_array_module(*xs)
        for k, x in enumerate(xs):
            if x.ndim == 0:
                raise RuntimeError(f"zero-dimensional tensor (at position {k}) cannot be concatenated")
        self.skipped = [x.shape == (0,) for x in xs]
        if all(self.skipped):
            self.skipped = [False] * len(xs)
        used = [x for x, skip in zip(xs, self.skipped) if not skip]
        ndim = used[0].ndim
        if not -ndim <= dim < ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})")
        for x in used:
            if x.ndim != ndim:
                raise RuntimeError(f"Tensors must have same number of dimensions: got {ndim} and {x.ndim}")
        self.dim = dim % ndim
        self.sizes = [x.shape[self.dim] for x in used]
        try:
            return row_major(xp.concatenate(used, axis=self.dim))
        except ValueError:
            shapes = ", ".join(str(tuple(x.shape)) for x in xs)
            raise RuntimeError(f"Sizes of tensors must match except in dimension {self.dim}: cat got shapes "
                               f"{shapes}") from None

    def backward(self, grad):
        xp = get_array_module(grad)
        pieces = iter(xp.split(grad, np.cumsum(self.sizes)[:-1].tolist(), axis=self.dim))
        return tuple(xp.zeros((0,), grad.dtype) if skip else next(pieces) for skip in self.skipped)


class ToDevice(Function):
    """Copy between host and GPU;  the gradient is copied back."""
    backward_name = "ToCopyBackward0"  # PyTorch's name of this node
    op = "to"

    def forward(self, x, device):
        self.source = device_of(x)
        return to_device(x, device)

    def backward(self, grad):
        return to_device(grad, self.source)


class AsType(Function):
    """Change the float precision;  the gradient changes back."""
    backward_name = "ToCopyBackward0"  # PyTorch's name of this node
    op = "astype"

    def forward(self, x, dtype):
        self.source = x.dtype
        return torch_layout(x.astype(dtype), x)

    def backward(self, grad):
        return grad.astype(self.source)


def basic_index(index):
    """True for indexing that gives a view (ints, slices, None, ...)."""
    return _is_basic(index)
