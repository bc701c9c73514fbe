"""Tensor's shape methods: views (reshape, transpose, unsqueeze, expand...), copies
(repeat, flip, clone) and pieces (chunk, split, gather, narrow), with PyTorch's names.

A view shares memory with its input (an in-place change to one shows in the
other), as in PyTorch; `contiguous()` and `clone()` give a tensor of its own.
"""
import numpy as np

from .backend import get_array_module
from .ops.scatter import Scatter
from .ops.shapes import Clone, Expand, Flip, Gather, GetItem, Permute, Repeat, Reshape


def _is_tensor(x):
    return hasattr(x, "_result_class")


def index_arrays(index):
    """An index may hold Tensors; the arrays take their place (on the indexed tensor's device).
    A slice must step forwards, as in PyTorch (x.flip(0), not x[::-1])."""
    for part in index if isinstance(index, tuple) else (index,):
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError("slice step cannot be zero" if part.step == 0 else
                             "step must be greater than zero (PyTorch has no negative steps: use x.flip(dim))")
    if _is_tensor(index):
        return index.array
    if isinstance(index, tuple):
        return tuple(i.array if _is_tensor(i) else i for i in index)
    if isinstance(index, list) and any(_is_tensor(i) for i in index):
        return [i.item() if _is_tensor(i) else i for i in index]
    return index


def _viewable(array, shape):
    """Can `array` take `shape` without a copy (a view shares the memory)? A shape of the wrong
    size counts as viewable: reshape then says what is wrong with it."""
    if array.flags.c_contiguous:
        return True
    try:
        if get_array_module(array) is np:
            np.reshape(array, shape, copy=False)
        else:
            array.view().shape = shape
    except (ValueError, AttributeError):
        known = int(np.prod([d for d in shape if d != -1]))
        right_size = known and array.size % known == 0 if -1 in shape else known == array.size
        return not right_size
    return True


def _sizes(sizes):
    """reshape(2, 3) and reshape((2, 3)) both mean (2, 3)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        return tuple(int(n) for n in sizes[0])
    return tuple(int(n) for n in sizes)


class ShapeMethods:
    def __getitem__(self, index):
        return GetItem.apply(self, index=index_arrays(index))


    def reshape(self, *shape):
        return Reshape.apply(self, shape=_sizes(shape))

    def view(self, *shape):
        if len(shape) == 1 and not isinstance(shape[0], (tuple, list, int)) and not hasattr(shape[0], "__index__"):
            raise TypeError("view(dtype) (reinterpreting the bits) is not supported by minigrad: "
                            "use .to(dtype) to convert the values")
        if not _viewable(self.array, _sizes(shape)):
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
        return self.reshape(*shape)

    view_as = reshape_as = lambda self, other: self.reshape(other.shape)

    def _dim(self, d, extra=0):
        n = self.array.ndim + extra
        if not -max(n, 1) <= d < max(n, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(n, 1)}, {max(n, 1) - 1}], "
                             f"but got {d})")
        return d % max(n, 1)

    def unsqueeze(self, dim):
        d = self._dim(dim, extra=1)
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim=None):
        if dim is None:
            return self.reshape(tuple(n for n in self.shape if n != 1))
        dims = {self._dim(d) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))} if self.ndim else set()
        return self.reshape(tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1)))

    def flatten(self, start_dim=0, end_dim=-1):
        if self.array.ndim == 0:
            return self.reshape(1)
        start, end = self._dim(start_dim), self._dim(end_dim)
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def unflatten(self, dim, sizes):
        d = self._dim(dim)
        return self.reshape(self.shape[:d] + tuple(sizes) + self.shape[d + 1:])

    def permute(self, *dims):
        return Permute.apply(self, dims=_sizes(dims))

    def transpose(self, dim0, dim1):
        dims = list(range(self.array.ndim))
        d0, d1 = self._dim(dim0), self._dim(dim1)
        dims[d0], dims[d1] = dims[d1], dims[d0]
        return Permute.apply(self, dims=tuple(dims))

    swapaxes = transpose

    def t(self):
        if self.array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.array.ndim}D")
        return self if self.array.ndim < 2 else self.transpose(0, 1)

    T = property(lambda self: self.permute(*reversed(range(self.array.ndim))))
    mT = property(lambda self: self.transpose(-2, -1))

    def expand(self, *sizes):
        return Expand.apply(self, shape=_sizes(sizes))

    expand_as = lambda self, other: self.expand(other.shape)

    def repeat(self, *repeats):
        return Repeat.apply(self, repeats=_sizes(repeats))

    def flip(self, *dims):
        return Flip.apply(self, dims=tuple(self._dim(d) for d in _sizes(dims)))

    def clone(self):
        return Clone.apply(self)

    def contiguous(self):
        flags = self.array.flags
        return self if flags.c_contiguous else self.clone()

    def is_contiguous(self):
        return bool(self.array.flags.c_contiguous)

    def narrow(self, dim, start, length):
        d = self._dim(dim)
        return self[(slice(None),) * d + (slice(start, start + length),)]

    def split(self, split_size, dim=0):
        """Pieces of `split_size` along dim (the last may be smaller), or of the given sizes."""
        d, n = self._dim(dim), self.shape[self._dim(dim)]
        sizes = list(split_size) if isinstance(split_size, (list, tuple)) else \
            [min(split_size, n - i) for i in range(0, n, split_size)]
        starts = [sum(sizes[:i]) for i in range(len(sizes))]
        return tuple(self.narrow(d, s, k) for s, k in zip(starts, sizes))

    def chunk(self, chunks, dim=0):
        n = self.shape[self._dim(dim)]
        return self.split(-(-n // chunks), dim)

    def unbind(self, dim=0):
        d = self._dim(dim)
        return tuple(self[(slice(None),) * d + (i,)] for i in range(self.shape[d]))

    def gather(self, dim, index):
        """out[i][j] = self[i][index[i][j]] for dim=1 (torch.gather)."""
        index = getattr(index, "array", index)
        return Gather.apply(self, index, dim=self._dim(dim))

    def scatter(self, dim, index, src=None, value=None):
        """A copy with src (a tensor, or `value`) written at `index` along dim (torch.Tensor.scatter)."""
        src = value if src is None else src
        src = src if hasattr(src, "_result_class") else self.array.dtype.type(src)
        return Scatter.apply(self, src, getattr(index, "array", index), dim=self._dim(dim))

    def scatter_add(self, dim, index, src):
        """A copy with src added at `index` along dim; repeated places add up."""
        return Scatter.apply(self, src, getattr(index, "array", index), dim=self._dim(dim), accumulate=True)

    def tile(self, *dims):
        dims = _sizes(dims)
        return self.repeat((1,) * (self.array.ndim - len(dims)) + dims)

    def index_select(self, dim, index):
        """The slices at `index` (a 1-D integer tensor) along dim."""
        d = self._dim(dim)
        return self[(slice(None),) * d + (getattr(index, "array", index),)]

    def nonzero(self):
        xp = get_array_module(self.array)
        return self._const(xp.stack(xp.nonzero(self.array), axis=1).astype("int64"))
