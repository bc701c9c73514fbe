"""Ops that move numbers around without changing them: reshape, transpose,
permute, indexing, concatenation, dtype and device changes.

Their backward moves the gradient back the same way: reshape it to the
input's shape, transpose it back, or put it into the indexed positions of a
zero array (adding where an index repeats).
"""
import numpy as np

from ..backend import device_of, get_array_module, scatter_add, to_device
from .arithmetic import unbroadcast
from ..autograd import Function


class Reshape(Function):
    is_view = True

    def forward(self, x, shape):
        self.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {tuple(x.shape)} ({x.size} elements) "
                f"into shape {tuple(shape)}") from None

    def backward(self, grad):
        return grad.reshape(self.shape)


class Permute(Function):
    """Reorder dimensions; the backward applies the inverse order."""
    is_view = True

    def forward(self, x, dims):
        if sorted(d % x.ndim for d in dims) != list(range(x.ndim)):
            raise ValueError(f"permute: {tuple(dims)} is not an ordering of the {x.ndim} dimensions of shape {x.shape}")
        self.dims = tuple(d % x.ndim for d in dims)
        return x.transpose(self.dims)

    def backward(self, grad):
        return grad.transpose(tuple(np.argsort(self.dims)))


def _is_basic(index):
    """Basic indexing (ints, slices, None, ...) never repeats an element."""
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice, np.integer)) for p in parts)


class GetItem(Function):
    """out = x[index];  dx = zeros with grad added at the indexed places."""
    def forward(self, x, index):
        if not _is_basic(index):  # index arrays must live where x lives
            parts = index if isinstance(index, tuple) else (index,)
            parts = tuple(to_device(p, device_of(x)) if hasattr(p, "shape") else p for p in parts)
            index = parts if isinstance(index, tuple) else parts[0]
        else:
            self.is_view = "index"  # basic indexing gives a view that in-place ops can write through
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        try:
            return x[index]
        except IndexError as e:
            raise IndexError(f"index {index!r} is out of range for a tensor of shape {tuple(x.shape)}: {e}") from None

    def backward(self, grad):
        xp = get_array_module(grad)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        if _is_basic(self.index):
            out[self.index] = grad
        else:
            scatter_add(out, self.index, grad)
        return out


class IndexPut(Function):
    """out = x with out[index] = value (item assignment, `x[index] = value`);
    dx = grad with zeros at index, dvalue = grad[index] summed to value's shape."""
    name = "index_put"

    def forward(self, x, value, index):
        self.index, self.value_shape = index, getattr(value, "shape", ())
        out = x.copy()
        try:
            out[index] = value
        except (ValueError, IndexError) as e:
            raise type(e)(f"x[index] = value: {e} (tensor of shape {tuple(x.shape)})") from None
        return out

    def backward(self, grad):
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = grad.copy()
            gx[self.index] = 0
        if self.needs_input_grad[1]:
            gv = unbroadcast(grad[self.index], self.value_shape)
        return gx, gv


class Expand(Function):
    """Broadcast size-1 dimensions to a larger size (a view);  the gradient is summed back."""
    is_view = True

    def forward(self, x, shape):
        self.shape = x.shape
        shape = tuple(n if m == -1 else m for n, m in zip((None,) * (len(shape) - x.ndim) + x.shape, shape))
        try:
            return get_array_module(x).broadcast_to(x, shape)
        except ValueError:
            raise ValueError(f"expand: cannot expand shape {tuple(x.shape)} to {shape}: only size-1 "
                             "dimensions can grow") from None

    def backward(self, grad):
        return unbroadcast(grad, self.shape)


class Repeat(Function):
    """Tile x `repeats` times along each dimension (torch.Tensor.repeat);
    dx = the sum of grad over the copies."""
    def forward(self, x, repeats):
        if len(repeats) < x.ndim:
            raise ValueError(f"repeat: give at least {x.ndim} repeat counts for a tensor of shape {tuple(x.shape)}")
        x = x.reshape((1,) * (len(repeats) - x.ndim) + x.shape)
        self.shape = x.shape
        return get_array_module(x).tile(x, repeats)

    def backward(self, grad):
        split = []
        for g, n in zip(grad.shape, self.shape):
            split += [g // n, n]  # (copies, original size) per dimension
        axes = tuple(range(0, 2 * len(self.shape), 2))
        return grad.reshape(split).sum(axis=axes).reshape(self.shape)


class Flip(Function):
    """Reverse the order along `dims`;  the gradient is flipped back."""
    def forward(self, x, dims):
        self.dims = dims
        return get_array_module(x).flip(x, dims).copy()

    def backward(self, grad):
        return get_array_module(grad).flip(grad, self.dims)


class Clone(Function):
    """A copy with its own memory;  the gradient passes through."""
    def forward(self, x):
        return x.copy()

    def backward(self, grad):
        return grad


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] (along dim 1, say: torch.gather);
    dx = zeros with grad added at the gathered places (repeats add up)."""
    def forward(self, x, index, dim):
        xp = get_array_module(x)
        if index.ndim != x.ndim:
            raise ValueError(f"gather: index has {index.ndim} dimensions but the input has {x.ndim}")
        self.shape, self.index, self.dim = x.shape, index, dim
        return xp.take_along_axis(x, index, axis=dim)

    def backward(self, grad):
        xp = get_array_module(grad)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        where = list(xp.ix_(*[xp.arange(n) for n in self.index.shape]))
        where[self.dim] = self.index
        scatter_add(out, tuple(where), grad)
        return out


class Concat(Function):
    """Join tensors along `dim`;  each input's gradient is its slice of grad."""
    def forward(self, *xs, dim=0):
        xp = get_array_module(*xs)
        self.dim = dim % xs[0].ndim
        self.sizes = [x.shape[self.dim] for x in xs]
        try:
            return xp.concatenate(xs, axis=self.dim)
        except ValueError:
            shapes = ", ".join(str(tuple(x.shape)) for x in xs)
            raise ValueError(f"cat: shapes {shapes} differ outside dimension {dim}") from None

    def backward(self, grad):
        xp = get_array_module(grad)
        return tuple(xp.split(grad, np.cumsum(self.sizes)[:-1].tolist(), axis=self.dim))


class ToDevice(Function):
    """Copy between host and GPU;  the gradient is copied back."""
    name = "to"

    def forward(self, x, device):
        self.source = device_of(x)
        return to_device(x, device)

    def backward(self, grad):
        return to_device(grad, self.source)


class AsType(Function):
    """Change the float precision;  the gradient changes back."""
    name = "astype"

    def forward(self, x, dtype):
        self.source = x.dtype
        return x.astype(dtype)

    def backward(self, grad):
        return grad.astype(self.source)


def basic_index(index):
    """True for indexing that gives a view (ints, slices, None, ...)."""
    return _is_basic(index)
