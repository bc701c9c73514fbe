"""Tensor's shape methods: views (reshape, transpose, unsqueeze, expand...), copies
(repeat, flip, clone), gather and scatter, with PyTorch's names; the pieces along a dim
(narrow, split, chunk, unbind) are in tensor_pieces.py.

A view shares memory with its input (an in-place change to one shows in the
other), as in PyTorch; `contiguous()` and `clone()` give a tensor of its own.
"""
import warnings

import numpy as np

from . import dtypes
from .array_module import get_array_module
from .ops.scatter import Gather, Scatter
from .ops.shapes import Clone, Expand, Flip, GetItem, Permute, Repeat, Reshape
from .tensor_special import scalar_name


def _is_tensor(x):
    return hasattr(x, "_result_class")


def _index_part(t):
    """A tensor in an index: its array; a 0-d integer one is an integer, as PyTorch reads it (x[i]
    with i = tensor(1) is a view, x[1])."""
    return int(t.item()) if t.array.ndim == 0 and t.array.dtype.kind in "iu" else t.array


def index_arrays(index):
    """An index may hold Tensors; the arrays take their place (on the indexed tensor's device).
    A slice must step forwards, as in PyTorch (x.flip(0), not x[::-1])."""
    for part in index if isinstance(index, tuple) else (index,):
        if isinstance(part, slice) and part.step is not None and part.step <= 0:
            raise ValueError("slice step cannot be zero" if part.step == 0 else
                             "step must be greater than zero (PyTorch has no negative steps: use x.flip(dim))")
    if _is_tensor(index):
        return _index_part(index)
    if isinstance(index, tuple):
        return tuple(_index_part(i) if _is_tensor(i) else i for i in index)
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

    view_as = lambda self, other: self.view(other.shape)
    reshape_as = lambda self, other: self.reshape(other.shape)

    def stride(self, dim=None):
        """The step in elements from one index to the next along each dim (PyTorch's strides)."""
        strides = tuple(s // self.array.itemsize for s in self.array.strides)
        if self.array.size == 0 and not any(strides):  # numpy zeroes a new empty array's strides; PyTorch
            strides, step = [], 1                       # gives it the row-major ones (a size 0 counting as 1)
            for n in reversed(self.array.shape):
                strides.insert(0, step)
                step *= max(n, 1)
            strides = tuple(strides)
        return strides if dim is None else strides[self._dim(dim)]

    def _dim(self, d, extra=0):
        n = self.array.ndim + extra
        if not -max(n, 1) <= d < max(n, 1):
            raise IndexError(f"Dimension out of range (expected to be in range of [{-max(n, 1)}, {max(n, 1) - 1}], "
                             f"but got {d})")
        return d % max(n, 1)

    def unsqueeze(self, dim):
        d = self._dim(dim, extra=1)
        return Reshape.apply(self, shape=self.shape[:d] + (1,) + self.shape[d:], backward_name="UnsqueezeBackward0")

    def squeeze(self, dim=None):
        if dim is None:
            return Reshape.apply(self, shape=tuple(n for n in self.shape if n != 1), backward_name="SqueezeBackward0")
        dims = [self._dim(d) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
        for d in dims:
            if dims.count(d) > 1:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        dims = set(dims) if self.ndim else set()
        return Reshape.apply(self, shape=tuple(n for i, n in enumerate(self.shape) if not (i in dims and n == 1)),
                             backward_name="SqueezeBackward2" if isinstance(dim, (tuple, list)) else "SqueezeBackward1")

    def flatten(self, start_dim=0, end_dim=-1):
        start, end = self._dim(start_dim), self._dim(end_dim)
        if start > end:
            raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
        if self.array.ndim == 0:
            return self.reshape(1)
        return self.reshape(self.shape[:start] + (-1,) + self.shape[end + 1:])

    def unflatten(self, dim, sizes):
        d, sizes = self._dim(dim), tuple(sizes)  # a dim out of range first: IndexError, as PyTorch
        if self.array.ndim == 0:
            raise RuntimeError("unflatten: a 0-d tensor has no dimension to unflatten")
        if not sizes:
            raise RuntimeError("unflatten: sizes must be non-empty")
        known = int(np.prod([s for s in sizes if s != -1]))
        if known != self.shape[d] if -1 not in sizes else known == 0 or self.shape[d] % known:
            raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size of dim {d} "
                               f"({self.shape[d]}) in the input tensor")
        sizes = tuple(self.shape[d] // known if s == -1 else s for s in sizes)  # -1 solved here: 0 elements too
        return self.reshape(self.shape[:d] + sizes + self.shape[d + 1:])

    def permute(self, *dims):
        return Permute.apply(self, dims=_sizes(dims))

    def transpose(self, dim0, dim1):
        dims = list(range(self.array.ndim))
        d0, d1 = self._dim(dim0), self._dim(dim1)
        if dims:  # a 0-d tensor transposes (dims 0 and -1) to a view of itself
            dims[d0], dims[d1] = dims[d1], dims[d0]
        return Permute.apply(self, dims=tuple(dims), backward_name="TransposeBackward0")

    swapaxes = transpose

    def t(self):
        if self.array.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {self.array.ndim}D")
        return self if self.array.ndim < 2 else Permute.apply(self, dims=(1, 0), backward_name="TBackward0")

    T = property(lambda self: self.permute(*reversed(range(self.array.ndim))))
    @property
    def mT(self):
        if self.array.ndim == 0:
            return Permute.apply(self, dims=())
        if self.array.ndim < 2:
            raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                               f"{self.array.ndim}-D tensor.")
        return self.transpose(-2, -1)

    def expand(self, *sizes):
        return Expand.apply(self, shape=_sizes(sizes))

    expand_as = lambda self, other: self.expand(other.shape)

    def repeat(self, *repeats):
        if not repeats:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        return Repeat.apply(self, repeats=_sizes(repeats))

    def flip(self, *dims):
        return Flip.apply(self, dims=tuple(self._dim(d) for d in _sizes(dims)))

    def clone(self, *, memory_format=None):
        """A copy in the same memory order (PyTorch's preserve_format: a transposed tensor's clone is
        transposed too; contiguous() gives a C-ordered copy)."""
        return Clone.apply(self)

    def contiguous(self, memory_format=None):
        return self if self.array.flags.c_contiguous else Clone.apply(self, contiguous=True)

    def is_contiguous(self, memory_format=None):
        return bool(self.array.flags.c_contiguous)

    def gather(self, dim, index):
        """out[i][j] = self[i][index[i][j]] for dim=1 (torch.gather)."""
        index = getattr(index, "array", index)
        return Gather.apply(self, index, dim=self._dim(dim), as_torch_gather=True)

    def scatter(self, dim, index, src=None, value=None, *, reduce=None):
        """A copy with src (a tensor, or a number `value`) written at `index` along dim (torch.Tensor.scatter);
        reduce='add' or 'multiply' combines instead (no gradient, as PyTorch; deprecated with a tensor src)."""
        src = value if src is None else src
        if reduce is not None:
            if reduce not in ("add", "multiply"):
                raise RuntimeError("reduce argument must be either add or multiply.")
            if _is_tensor(src):
                warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed "
                              "in a future PyTorch release. Use torch.scatter_reduce instead for more reduction "
                              "options.", UserWarning, stacklevel=2)
        src = src if _is_tensor(src) else dtypes.fill_value(src, self.array.dtype)
        return Scatter.apply(self, src, getattr(index, "array", index), dim=self._dim(dim), reduce=reduce)

    def scatter_add(self, dim, index, src):
        """A copy with src added at `index` along dim; repeated places add up."""
        return Scatter.apply(self, src, getattr(index, "array", index), dim=self._dim(dim), accumulate=True)

    def tile(self, *dims):
        dims = _sizes(dims)
        return self.repeat((1,) * (self.array.ndim - len(dims)) + dims)

    def index_select(self, dim, index):
        """The slices at `index` (a 1-D or 0-d integer tensor, each value in [0, size)) along dim;
        the dim stays (a 0-d index selects one slice, of size 1)."""
        d, index = self._dim(dim), getattr(index, "array", index)
        if index.ndim > 1:
            raise IndexError("index_select(): Index is supposed to be a vector")
        if index.dtype.kind not in "iu":
            raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
        n = self.shape[d] if self.array.ndim else 1
        if index.size and (index.min() < 0 or index.max() >= n):
            if d == 1:  # PyTorch's kernel for dim 1 words it otherwise
                bad = int(index.min()) if index.min() < 0 else int(index.max())
                raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={n}")
            raise IndexError(f"index out of range in self: index_select's indices must be in [0, {n}) "
                             "(negative ones are not counted from the end)")
        if self.array.ndim == 0:
            if index.size != 1:
                raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.size} value(s)")
            return self.clone()
        return self[(slice(None),) * d + (index.reshape(-1),)]

    def nonzero(self, *, as_tuple=False):
        """The indices of the non-zero elements, one row each (a 0-d tensor has rows of no columns)."""
        xp = get_array_module(self.array)
        found = xp.nonzero(self.array.reshape(1) if self.array.ndim == 0 else self.array)
        if as_tuple:
            return tuple(self._const(i.astype("int64")) for i in found)
        rows = xp.stack(found, axis=0).astype("int64").T  # (count, ndim), column by column as PyTorch's
        return self._const(rows[:, :0] if self.array.ndim == 0 else rows)

    # ---- more views and pieces with PyTorch's names ---------------------------------------------------
    broadcast_to = lambda self, size: self.expand(size)
    swapdims = lambda self, dim0, dim1: self.transpose(dim0, dim1)

    def movedim(self, source, destination):
        """Move the dims `source` to the places `destination` (ints or tuples); the others keep their order."""
        source, destination = (tuple(v) if isinstance(v, (tuple, list)) else (v,) for v in (source, destination))
        if len(source) != len(destination):
            raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(source)} dims) should "
                               f"contain the same number of dims as destination ({list(destination)} dims)")
        source, destination = tuple(self._dim(d) for d in source), tuple(self._dim(d) for d in destination)
        for name, dims in (("source", source), ("destination", destination)):
            if len(set(dims)) != len(dims):
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
        rest = iter(d for d in range(self.ndim) if d not in source)
        placed = dict(zip(destination, source))
        return self.permute(tuple(placed[k] if k in placed else next(rest) for k in range(self.ndim)))

    moveaxis = movedim

    def tensor_split(self, indices_or_sections, dim=0):
        """Pieces along dim: `sections` as equal as can be (the first n % sections one longer), or cut
        at the given indices (Python slices: x[:i0], x[i0:i1], ..., x[ik:])."""
        if self.ndim == 0:
            raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
        cuts = indices_or_sections
        if _is_tensor(cuts):
            if cuts.ndim > 1:
                raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                                   f"one-dimensional tensor, but got a tensor with {cuts.ndim} dims")
            if cuts.array.dtype.kind not in "iu":
                raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                                   f"{scalar_name(cuts.array.dtype)}")
            cuts = cuts.item() if cuts.ndim == 0 else cuts.tolist()
        d = self._dim(dim)
        if isinstance(cuts, (int, np.integer)):
            if cuts <= 0:
                raise RuntimeError(f"number of sections must be larger than 0, got {cuts}")
            n = self.shape[d]
            sizes = [n // cuts + (1 if k < n % cuts else 0) for k in range(cuts)]
            cuts = [sum(sizes[:k]) for k in range(1, cuts)]
        bounds = [None] + [int(c) for c in cuts] + [None]
        return tuple(self[(slice(None),) * d + (slice(start, end),)] for start, end in zip(bounds, bounds[1:]))
