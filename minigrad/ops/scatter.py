"""gather, and its reverse scatter and scatter_add (torch.gather, Tensor.scatter / scatter_add).

Along dim 1, say: gather reads out[i][j] = x[i][index[i][j]]; scatter writes
out[i][index[i][j]] = src[i][j] (scatter_add: += src[i][j]). i and j run over index's shape,
which may be smaller than src's (the rest of src is not used) and than x's apart from `dim`
(check_index says what PyTorch allows). gather's gradient is the output gradient added
back at the gathered places; the gradient of src is the output gradient gathered at the
same places, 0 for the part of src not used; the gradient of scatter's input is the output
gradient, except (scatter) where it was overwritten.
"""
import numpy as np

from ..autograd import Function
from ..array_module import get_array_module, scatter_add
from .layout import elementwise_result, row_major


def check_index(op, index, dim, x, src=None):
    """PyTorch's rules for gather/scatter's index: integer, as many dims as x (a 0-d tensor counts
    as 1-d), no larger than x apart from `dim` (nor than src anywhere), each value in
    [0, size of dim): a negative index is refused, not counted from the end."""
    if index.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if max(index.ndim, 1) != max(x.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    if src is not None and max(index.ndim, 1) != max(src.ndim, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    index_shape, x_shape = index.shape or (1,), x.shape or (1,)
    for d, (i, n) in enumerate(zip(index_shape, x_shape)):
        if d != dim and i > n or src is not None and i > (src.shape or (1,))[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index {list(index.shape)} to be "
                               f"no larger than self {list(x.shape)} apart from dimension {dim}"
                               + (f" and to be no larger size than src {list(src.shape)}" if src is not None else ""))
    if index.size and (index.min() < 0 or index.max() >= x_shape[dim]):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"index {int(bad)} is out of bounds for dimension {dim} with size {x_shape[dim]}")


def index_places(xp, index, dim):
    """The full index tuple that puts index[i][j] at its place along `dim`: (i, index[i][j]) for dim 1."""
    where = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
    where[dim] = index
    return tuple(where)


def combine_at(ufunc, target, places, values):
    """target[places] = ufunc(target[places], values), a place given several times combined with each
    value in turn (numpy's ufunc.at, which cupy lacks): the k-th value of every place is applied in the
    k-th round."""
    xp = get_array_module(target)
    where = xp.broadcast_arrays(*places)
    flat = xp.ravel_multi_index(tuple(w.reshape(-1) for w in where), target.shape)
    values = xp.broadcast_to(values, where[0].shape).reshape(-1)
    order = xp.argsort(flat, kind="stable")
    flat, values = flat[order], values[order]
    rank = xp.arange(flat.size) - xp.searchsorted(flat, flat, side="left")  # how many came before at its place
    view = target.reshape(-1)  # target is a fresh row-major copy: this is a view of it
    for k in range(int(rank.max()) + 1 if rank.size else 0):
        view[flat[rank == k]] = ufunc(view[flat[rank == k]], values[rank == k])


def multiply_at(target, places, values):
    """target[places] *= values, a place given several times multiplied by each."""
    combine_at(get_array_module(target).multiply, target, places, values)


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] (along dim 1, say), for i and j over index's shape (which
    may be smaller than x's);  dx = zeros with grad added at the gathered places (repeats add up).
    as_torch_gather: PyTorch's gather (and cummax) keeps x for its backward: an in-place change refused.
    The result is row-major, or laid out as `layout_of` (sort's values: as its input)."""
    def forward(self, x, index, dim, as_torch_gather=False, layout_of=None):
        self.versions_of = (0,) if as_torch_gather else ()
        xp = get_array_module(x)
        check_index("gather", index, dim, x)
        self.shape, self.index_shape = x.shape, index.shape or (1,)  # a 0-d tensor as a 1-d one
        self.places = index_places(xp, index.reshape(self.index_shape), dim)
        out = x.reshape(x.shape or (1,))[self.places].reshape(index.shape)
        return row_major(out) if layout_of is None else elementwise_result(out, layout_of)

    def backward(self, grad):
        xp = get_array_module(grad)
        out = xp.zeros(self.shape or (1,), dtype=grad.dtype)
        scatter_add(out, self.places, grad.reshape(self.index_shape))
        return out.reshape(self.shape)


class Scatter(Function):
    """out = x with src (an array, or one number: `value`) written at index along dim
    (accumulate=True: added). A 0-d tensor counts as a 1-d one of one element.
    reduce='add' or 'multiply' (scatter's older form): added or multiplied in; like PyTorch's,
    that form has no backward."""
    def forward(self, x, src, index, dim, accumulate=False, reduce=None):
        xp = get_array_module(x)
        is_value = isinstance(src, (np.generic, int, float, bool))
        check_index("scatter", index, dim, x, None if is_value else src)
        if not is_value and src.dtype != x.dtype:
            raise RuntimeError(f"scatter(): Expected self.dtype to be equal to src.dtype (self is {x.dtype}, src "
                               f"{src.dtype}): convert src, e.g. src.to(x.dtype)")
        self.shape, self.accumulate = x.shape, accumulate
        index_shape = index.shape or (1,)
        self.places = index_places(xp, index.reshape(index_shape), dim)
        self.src_shape, self.used = None if is_value else src.shape, tuple(slice(0, n) for n in index_shape)
        values = xp.broadcast_to(xp.asarray(src, dtype=x.dtype), index_shape) if is_value else \
            src.reshape(src.shape or (1,))[self.used]
        out = x.reshape(x.shape or (1,)).copy()
        self.reduce = reduce
        if reduce == "multiply":
            multiply_at(out, self.places, values)
        elif accumulate or reduce == "add":
            scatter_add(out, self.places, values)
        else:
            out[self.places] = values
        return out.reshape(x.shape)

    def backward(self, grad):
        if self.reduce is not None:
            raise RuntimeError("derivative for aten::scatter is not implemented")
        xp = get_array_module(grad)
        grad = grad.reshape(grad.shape or (1,))
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = grad
            if not self.accumulate:
                gx = grad.copy()
                gx[self.places] = 0
            gx = gx.reshape(self.shape)
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            gs = xp.zeros(self.src_shape or (1,), dtype=grad.dtype)
            gs[self.used] = grad[self.places]
            gs = gs.reshape(self.src_shape)
        return gx, gs
