"""Ops that move numbers around without changing them: reshape, transpose,
permute, indexing, concatenation, dtype and device changes.

Their backward moves the gradient back the same way: reshape it to the
input's shape, transpose it back, or put it into the indexed positions of a
zero array (adding where an index repeats).
"""
import numpy as np

from ..backend import device_of, get_array_module, scatter_add, to_device
from ..tensor import Function


class Reshape(Function):
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
        self.shape, self.dtype, self.index = x.shape, x.dtype, index
        return x[index]

    def backward(self, grad):
        xp = get_array_module(grad)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        if _is_basic(self.index):
            out[self.index] = grad
        else:
            scatter_add(out, self.index, grad)
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
