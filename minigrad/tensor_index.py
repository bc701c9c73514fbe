"""Tensor's diagonal and index ops: diagonal, diag, diag_embed, trace, roll, masked_select, take,
take_along_dim, index_add, index_copy, index_fill, repeat_interleave, argwhere and kron.

Each is one op of minigrad/ops/indexing.py or a composition of differentiable ops (a selection
by an index array, a write into a copy, a product), so each has its gradient. Indices are
checked as PyTorch checks them, with its messages (take, take_along_dim and index_fill count a
negative index from the end; index_add and index_copy refuse it).
"""
import numpy as np

from . import dtypes
from .array_module import device_of, get_array_module, to_device
from .ops import layout
from .ops.broadcast_errors import broadcast_error
from .ops.indexing import Diagonal, IndexAdd, Roll
from .ops.shapes import Gather, GetItem, IndexPut
from .tensor_special import scalar_name


def _is_tensor(x):
    return hasattr(x, "_result_class")


def _as_tuple(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v,)


# how PyTorch refuses a bad index or source, op by op (each op has checks, and words, of its own)
_REFUSALS = {
    "index_add_": {
        "dtype": (RuntimeError, "index_add_(): Expected dtype int32/int64 for index but got: {got}"),
        "vector": (IndexError, "index_add_(): Index is supposed to be a vector, but got dim: {ndim} with type: "
                               "{got} and size: {size}"),
        "bounds": (RuntimeError, "index {bad} is out of bounds for dimension {dim} with size {n}"),
        "count": (RuntimeError, "index_add_(): Number of indices ({k}) should be equal to source.size(dim): ({m}), "
                                "for dim: {dim}"),
        "source dtype": "index_add_(): self ({mine}) and source ({theirs}) must have the same scalar type"},
    "index_copy_": {
        "dtype": (RuntimeError, "index_copy_(): Expected a long tensor for index, but got {got}"),
        "vector": (IndexError, "index_copy_(): Index should have dimension 1 or 0 (got {ndim})"),
        "bounds": (IndexError, "index_copy_(): index {bad} is out of bounds for dimension {dim} with size {n}"),
        "count": (IndexError, "index_copy_(): Number of indices ({k}) should be equal to source.size(dim) ({m})"),
        "source dtype": "index_copy_(): self and source expected to have the same dtype, but got (self) {mine} "
                        "and (source) {theirs}"},
    "index_fill_": {
        "dtype": (IndexError, "index_fill_(): Expected dtype int64 for index."),
        "vector": (RuntimeError, "Index has to be a vector/scalar"),
        "bounds": (IndexError, "index {bad} is out of bounds for dimension {dim} with size {n}")},
    "take": {"dtype": (RuntimeError, "take(): Expected a long tensor for index, but got {got}")},
    "take_along_dim": {"dtype": (RuntimeError, "torch.take_along_dim(): dtype of indices should be Long but got "
                                               "{got}")},
}


def broadcast_shape(a, b):
    """The shape two shapes broadcast to, or PyTorch's error."""
    try:
        return np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        raise broadcast_error(a, b) from None


def _repeat_index(xp, counts, n):
    """arange(n) with element i repeated counts[i] times (counts a number or an array): i appears
    where the running total of the counts first passes the position."""
    if isinstance(counts, int):
        return xp.arange(n).repeat(counts)
    ends = xp.cumsum(counts)
    total = int(ends[-1]) if ends.size else 0
    return xp.searchsorted(ends, xp.arange(total), side="right")


class IndexMethods:
    # ---- diagonals -----------------------------------------------------------------------------------
    def diagonal(self, offset=0, dim1=0, dim2=1):
        """The diagonal self[..., i, i + offset] of dims (dim1, dim2), as the last dimension: a view."""
        d1, d2 = self._dim(dim1), self._dim(dim2)
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        return Diagonal.apply(self, offset=offset, dim1=d1, dim2=d2)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        """A tensor whose (dim1, dim2) matrices hold the last dimension of self on their diagonal
        `offset` (zeros elsewhere): the inverse of diagonal."""
        d1, d2 = self._dim(dim1, extra=1), self._dim(dim2, extra=1)
        if d1 == d2:
            raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
        xp = get_array_module(self.array)
        n = self.shape[-1] + abs(offset)
        out = self._const(xp.zeros(self.shape[:-1] + (n, n), self.array.dtype))
        k = xp.arange(self.shape[-1])
        rows, cols = (k, k + offset) if offset >= 0 else (k - offset, k)
        out = IndexPut.apply(out, self, index=(Ellipsis, rows, cols))  # out[..., i, i + offset] = self[..., i]
        return out.movedim((-2, -1), (d1, d2))

    def diag(self, diagonal=0):
        """A 1-D tensor as a square matrix with it on diagonal `diagonal`; a matrix's diagonal (a copy)."""
        if self.ndim == 1:
            return self.diag_embed(diagonal)
        if self.ndim != 2:
            raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {self.ndim}D")
        return self.diagonal(diagonal).clone()

    def trace(self):
        """The sum of the main diagonal of a matrix (integers sum to int64, as sum; bools are refused)."""
        if self.ndim != 2:
            raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {self.ndim}")
        if self.array.dtype.kind == "b":
            raise NotImplementedError("\"trace\" not implemented for 'Bool'")
        return self.diagonal().sum()

    # ---- cyclic shifts and selections -------------------------------------------------------------
    def roll(self, shifts, dims=None):
        """Shift cyclically by `shifts` along `dims`; with no dims, the flattened tensor, reshaped back."""
        shifts = _as_tuple(shifts.tolist() if _is_tensor(shifts) else shifts)
        if not shifts:
            raise RuntimeError("`shifts` required")
        if dims is None:
            if len(shifts) != 1:
                raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
            return Roll.apply(self, shifts=int(shifts[0]), dims=None)
        dims = _as_tuple(dims)
        if len(shifts) != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
        if self.ndim == 0:
            raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
        return Roll.apply(self, shifts=tuple(int(s) for s in shifts), dims=tuple(self._dim(d) for d in dims))

    def masked_select(self, mask):
        """The elements where mask (broadcast with self) is True, as a 1-D tensor in row-major order."""
        if not _is_tensor(mask) or mask.array.dtype.kind != "b":
            raise RuntimeError("masked_select: expected BoolTensor for mask")
        shape = broadcast_shape(self.shape, mask.shape) or (1,)  # 0-d both: one element, still 1-D out
        xp = get_array_module(mask.array)
        where = xp.nonzero(xp.broadcast_to(mask.array.reshape(mask.shape or (1,)), shape))
        return GetItem.apply(self.reshape(self.shape or (1,)).expand(shape), index=where,
                             backward_name="MaskedSelectBackward0")

    def take(self, index):
        """self flattened, at `index` (any shape; negative counts from the end)."""
        flat, n = self.reshape(-1), self.array.size
        index = self._index_array("take", index)
        if index.size and (int(index.max()) >= n or int(index.min()) < -n):
            bad = int(index.max()) if int(index.max()) >= n else int(index.min())
            raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} elements.")
        return GetItem.apply(flat, index=(index,), backward_name="TakeBackward0")

    def take_along_dim(self, indices, dim=None):
        """self at `indices` along dim (as gather, but self and indices broadcast over the other
        dims, and negative indices count from the end); with no dim, flattened."""
        index = self._index_array("take_along_dim", indices)
        if dim is None:
            return self.reshape(-1).take_along_dim(indices.reshape(-1), 0)
        d = self._dim(dim)
        if index.ndim != self.ndim:
            raise RuntimeError(f"torch.take_along_dim(): input and indices should have the same number of "
                               f"dimensions, but got {self.ndim} dimensions for input, and {index.ndim} "
                               "dimensions for indices")
        xp = get_array_module(self.array)
        n = self.shape[d]
        index = xp.where(index < 0, index + n, index)
        sizes = [1 if i == d else k for i, k in enumerate(self.shape)]
        other = broadcast_shape(tuple(sizes), tuple(1 if i == d else k for i, k in enumerate(index.shape)))
        x = self.expand(tuple(n if i == d else k for i, k in enumerate(other)))
        index = xp.broadcast_to(index, tuple(index.shape[d] if i == d else k for i, k in enumerate(other)))
        return Gather.apply(x, index, dim=d, as_torch_gather=True)

    def _index_array(self, op, index, vector=False, dim=0, bounds=True, alpha=1):
        """An integer index as an int64 array on self's device, checked as `op` in PyTorch checks it
        (bounds=False: all but its values, which _slices checks last, as PyTorch)."""
        refuse = _REFUSALS[op]
        dtype = index.array.dtype if _is_tensor(index) else None
        if dtype is None or dtype.kind not in "iu" or dtype != dtypes.int64 and op != "index_add_":
            got = scalar_name(dtype) if dtype is not None else type(index).__name__
            raise refuse["dtype"][0](refuse["dtype"][1].format(got=got))
        index = index.array
        if vector:
            if index.ndim > 1:
                raise refuse["vector"][0](refuse["vector"][1].format(
                    ndim=index.ndim, got=scalar_name(index.dtype), size=list(index.shape)))
            index = index.reshape(-1)
            if bounds:
                self._check_bounds(op, index, dim, alpha)
        return to_device(index, device_of(self.array)).astype(dtypes.int64, copy=False)  # where self lives

    def _check_bounds(self, op, index, dim, alpha=1):
        n = self.shape[dim] if self.ndim else 1
        low = -n if op == "index_fill_" else 0  # index_fill counts a negative index from the end
        if index.size and (int(index.min()) < low or int(index.max()) >= n):
            bad = int(index.min()) if int(index.min()) < low else int(index.max())
            if op == "index_add_" and (self.ndim <= 1 or alpha != 1):  # PyTorch's kernel for these: index_select's
                raise IndexError("index out of range in self")
            kind = RuntimeError if n == 0 else _REFUSALS[op]["bounds"][0]  # an empty dimension: a storage check
            raise kind(_REFUSALS[op]["bounds"][1].format(bad=bad, dim=dim, n=n))

    # ---- writing into slices along a dimension ----------------------------------------------------
    def _slices(self, op, dim, index, source, alpha=1):
        """(dim, index array) for index_add/index_copy, after PyTorch's checks of index and source, in
        its order (the index's values last)."""
        refuse = _REFUSALS[op]
        d = self._dim(dim)
        index = self._index_array(op, index, vector=True, dim=d, bounds=False)
        if op == "index_copy_" and source.ndim and self.ndim and source.ndim != self.ndim:
            raise IndexError(f"index_copy_(): When source and destination are not scalars, their dimensionality must "
                             f"match. Source dimensionality ({source.ndim}), destination dimensionality ({self.ndim})")
        n_source = source.shape[d] if d < source.ndim else 1
        if index.size != n_source:
            raise refuse["count"][0](refuse["count"][1].format(k=index.size, m=n_source, dim=d))
        expected = self.shape[:d] + (index.size,) + self.shape[d + 1:] if self.ndim else ()
        if source.shape != expected:
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified "
                               f"dimension. Got self.shape = {list(self.shape)} source.shape = {list(source.shape)}")
        if source.array.dtype != self.array.dtype:
            raise RuntimeError(refuse["source dtype"].format(mine=scalar_name(self.array.dtype),
                                                             theirs=scalar_name(source.array.dtype)))
        self._check_bounds(op, index, d, alpha)
        return d, index

    def index_add(self, dim, index, source, *, alpha=1):
        """A copy with alpha * source's slices added to the slices at `index` along dim (repeats add up)."""
        if self.array.dtype.kind in "biu":  # alpha in self's dtype, as PyTorch: 0.5 is 0 for int64, -1 True for bool
            alpha = dtypes.fill_value(alpha, self.array.dtype)
        d, index = self._slices("index_add_", dim, index, source, alpha)
        x, src = (self.reshape(1), source.reshape(1)) if self.ndim == 0 else (self, source)
        return IndexAdd.apply(x, src, index, dim=d, alpha=alpha).reshape(self.shape)

    def index_copy(self, dim, index, source):
        """A copy with source's slices written over the slices at `index` along dim."""
        d, index = self._slices("index_copy_", dim, index, source)
        x, src = (self.reshape(1), source.reshape(1)) if self.ndim == 0 else (self, source)
        return IndexPut.apply(x, src, index=(slice(None),) * d + (index,), row_major_copy=True).reshape(self.shape)

    def index_fill(self, dim, index, value):
        """A copy with `value` (a number or a 0-d tensor) in the slices at `index` along dim."""
        d = self._dim(dim)
        index = self._index_array("index_fill_", index, vector=True, dim=d)
        if _is_tensor(value):
            if value.ndim:
                raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got tensor "
                                   f"with {value.ndim} dimension(s).")
            value = value._cast(self.array.dtype)
        else:  # refused where it does not fit, as PyTorch (inf into int64); -1 is 255 in uint8
            value = dtypes.fill_value(value, self.array.dtype)
        x = self.reshape(1) if self.ndim == 0 else self
        return IndexPut.apply(x, value, index=(slice(None),) * d + (index,)).reshape(self.shape)

    # ---- repeats, positions and products ----------------------------------------------------------
    def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
        """Each element (or slice along dim) repeated `repeats` times (a number, or one count each)."""
        xp = get_array_module(self.array)
        if repeats is None:  # torch.repeat_interleave(counts): the indices, each repeated its count
            return self._const(_repeat_index(xp, self._counts(self.array, self.array.size), self.array.size))
        x, d = (self.reshape(-1), 0) if dim is None else (self, self._dim(dim))
        x = x.reshape(1) if x.ndim == 0 else x
        n = x.shape[d]
        counts = xp.asarray(to_device(repeats.array, device_of(x.array)) if _is_tensor(repeats) else repeats)
        counts = self._counts(counts, n)
        return GetItem.apply(x, index=(slice(None),) * d + (_repeat_index(xp, counts, n),))

    @staticmethod
    def _counts(counts, n):
        """The repeat counts, checked: one number, or one count per element (a 1-D integer array)."""
        if counts.ndim > 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        if counts.dtype.kind not in "iu":
            raise RuntimeError(f"repeats has to be Long or Int tensor, got {scalar_name(counts.dtype)}")
        if counts.size and int(counts.min()) < 0:
            raise RuntimeError("repeats can not be negative")
        if counts.ndim == 1 and counts.size != 1 and counts.size != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {counts.size} and input.size(0) = {n}")
        return counts.reshape(-1) if counts.size != 1 else int(counts.reshape(-1)[0])

    def argwhere(self):
        """The indices of the nonzero elements, one row each: shape (count, ndim)."""
        xp = get_array_module(self.array)
        a = self.array
        if a.ndim == 0:
            return self._const(xp.zeros((int(a != 0), 0), dtypes.int64))
        return self._const(xp.stack(xp.nonzero(a), axis=0).astype(dtypes.int64).T)  # column by column, as PyTorch's

    def kron(self, other):
        """The Kronecker product: out[i*p + k, j*q + l] = self[i, j] * other[k, l] (any number of dims)."""
        n = max(self.ndim, other.ndim)
        a = self.reshape((1,) * (n - self.ndim) + tuple(self.shape))
        b = other.reshape((1,) * (n - other.ndim) + tuple(other.shape))
        a_shape, b_shape = tuple(s for k in a.shape for s in (k, 1)), tuple(s for k in b.shape for s in (1, k))
        shape = tuple(p * q for p, q in zip(a.shape, b.shape))
        self._kron_viewable(other, a_shape, b_shape, shape)
        return (a.reshape(a_shape) * b.reshape(b_shape)).reshape(shape)

    def _kron_viewable(self, other, a_shape, b_shape, shape):
        """PyTorch's kron views its product as the result: where the product's memory order (that of
        the inputs, ops/layout.py) does not allow that view, it refuses, and so does minigrad."""
        product_shape = tuple(p if q == 1 else q for p, q in zip(a_shape, b_shape))  # broadcast (0 with 1 is 0)
        operands = [(s, layout.view_strides(t.shape, layout.element_strides(t.array), s))
                    for t, s in ((self, a_shape), (other, b_shape))]
        strides = layout.elementwise_strides(product_shape, operands)
        if layout.view_strides(product_shape, strides, shape) is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at least one "
                               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
