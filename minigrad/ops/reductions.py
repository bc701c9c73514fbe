"""Reductions: sum, mean, max (amax), prod and cumsum over some dimensions.

Their backward spreads the output gradient back over the reduced dimensions:
sum copies it to every element, mean copies it divided by the count, and max
sends it only to the elements that were the maximum (shared equally on ties,
as torch.amax does).
"""
from ..array_module import get_array_module
from ..autograd import Function
from .layout import row_major  # a reduction's result is row-major in PyTorch, whatever its input's order


def _axes(dim, ndim):
    """dim (None, an int or a tuple) as a sorted tuple of non-negative axes, as PyTorch reads it:
    None and () reduce every dimension; a 0-d tensor takes dim 0 or -1 (and has no axis to reduce)."""
    if dim is None or isinstance(dim, (tuple, list)) and len(dim) == 0:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    n = max(ndim, 1)
    for d in dims:
        if isinstance(d, bool) or not hasattr(d, "__index__"):
            raise TypeError(f"a dim must be an int or a tuple of ints, but got {type(d).__name__} ({d!r})")
        if not -n <= d < n:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})")
    axes = sorted(d % n for d in dims)
    for a, b in zip(axes, axes[1:]):
        if a == b:
            raise RuntimeError(f"dim {a} appears multiple times in the list of dims")
    return tuple(axes) if ndim else ()


reduce_axes = _axes  # the Tensor's reductions check their dims with it too


def _own(x):
    """An integer or bool array's own dtype, for numpy's sums and products (which would widen int32
    to int64: PyTorch's sum(dtype=int32) stays int32, and sum(dtype=bool) is an `or`, prod an `and`);
    None (numpy's choice) for floats."""
    return x.dtype if x.dtype.kind in "iub" else None


def _expand(grad, axes, shape, keepdim):
    """Give `grad` back the reduced axes (as size 1) and broadcast it to `shape`."""
    xp = get_array_module(grad)
    if not keepdim:
        grad = grad.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return xp.broadcast_to(grad, shape)


class Sum(Function):
    """out = sum of x over `dim`;  dx = grad copied to every summed element."""
    def forward(self, x, dim=None, keepdim=False):
        self.shape, self.keepdim = x.shape, keepdim
        self.backward_name = "SumBackward1" if dim is not None else None  # PyTorch's sum.dim_IntList node
        self.axes = _axes(dim, x.ndim)
        return row_major(x.sum(axis=self.axes, keepdims=keepdim, dtype=_own(x)))

    def backward(self, grad):
        return _expand(grad, self.axes, self.shape, self.keepdim)


class Mean(Function):
    """out = sum(x) / n over `dim`;  dx = grad / n for every element."""
    def forward(self, x, dim=None, keepdim=False):
        self.shape, self.keepdim = x.shape, keepdim
        self.backward_name = "MeanBackward1" if dim is not None else None  # PyTorch's mean.dim node
        self.axes = _axes(dim, x.ndim)
        self.count = 1
        for a in self.axes:
            self.count *= x.shape[a]
        if not self.count:  # the mean of nothing: 0 / 0, NaN (without numpy's warning, as PyTorch)
            return x.sum(axis=self.axes, keepdims=keepdim) / self.count
        return row_major(x.mean(axis=self.axes, keepdims=keepdim))

    def backward(self, grad):
        return _expand(grad / self.count, self.axes, self.shape, self.keepdim)


def check_nonempty(name, x, axes, dim):
    """PyTorch's refusal of a max/min (or argmax...) over nothing: it has no identity."""
    if dim is None and x.size == 0:
        raise (IndexError if name.startswith("arg") else RuntimeError)(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument.")
    for a in axes:
        if x.shape[a] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size.")


class Max(Function):
    """out = max of x over `dim` (values: torch.amax), NaN where the slice holds one;
    dx = grad where x was the maximum, split equally between ties. So a NaN maximum gives NaN
    gradients (no element equals it: 0 / 0), as amax's; `nan_is_max=True` is torch.max() of all
    elements, which shares the gradient among the NaNs instead. Only a boolean mask is kept (and
    x's and out's versions, which PyTorch's backward reads)."""
    pick = "max"
    versions_of = (0, "out")

    def forward(self, x, dim=None, keepdim=False, name="amax", nan_is_max=False):
        self.shape, self.keepdim = x.shape, keepdim
        # PyTorch's nodes: AmaxBackward0 (amax, amin), MaxBackward1 (max() of all elements, min())
        self.backward_name = name.capitalize() + ("Backward1" if name in ("max", "min") else "Backward0")
        self.axes = _axes(dim, x.ndim)
        check_nonempty(name, x, self.axes, dim)
        reduce = getattr(x, self.pick)
        if not self.needs_input_grad[0]:
            return row_major(reduce(axis=self.axes, keepdims=keepdim))
        out = row_major(reduce(axis=self.axes, keepdims=True))
        mask = x == out
        if nan_is_max and out.size and out.reshape(-1)[0] != out.reshape(-1)[0]:
            mask = x != x
        self.save_for_backward(mask, mask.sum(axis=self.axes, keepdims=True).astype(x.dtype))
        return out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        mask, ties = self.saved
        grad = _expand(grad, self.axes, self.shape, self.keepdim)
        return grad * mask / ties


class Min(Max):
    """out = min of x over `dim` (torch.amin);  dx as Max's, for the minimum."""
    pick = "min"


def products_of_others(x, axis):
    """For each element, the product of the other elements along `axis`, without dividing (so a zero
    is no problem): the exclusive running product from the left times the one from the right."""
    xp = get_array_module(x)
    along = lambda start, stop: x[(slice(None),) * axis + (slice(start, stop),)]  # noqa: E731
    ones = xp.ones_like(along(0, 1))
    left = xp.cumprod(xp.concatenate([ones, along(0, -1)], axis=axis), axis=axis)
    right = xp.flip(xp.cumprod(xp.flip(xp.concatenate([along(1, None), ones], axis=axis), axis), axis=axis), axis)
    return left * right


class Prod(Function):
    """out = product of x over `dim` (one dim, or all);  dx_i = grad * (the product of the other
    elements). As PyTorch: out / x_i when x holds no zero; otherwise the products of the others
    themselves (products_of_others), and over all elements with two zeros or more, 0."""
    versions_of = (0, "out")  # PyTorch's backward keeps x and out, as this one does

    def forward(self, x, dim=None, keepdim=False):
        self.shape, self.keepdim, self.all = x.shape, keepdim, dim is None
        self.backward_name = None if self.all else "ProdBackward1"  # PyTorch's prod.dim_int node
        self.axes = _axes(dim, x.ndim)
        out = row_major(x.prod(axis=self.axes, keepdims=keepdim, dtype=_own(x)))
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved
        if x.ndim == 0 or x.size == 0:
            return _expand(grad, self.axes, self.shape, self.keepdim).copy()
        grad = _expand(grad, self.axes, self.shape, self.keepdim)
        zeros = int((x == 0).sum())
        if zeros == 0:
            return grad * (_expand(out, self.axes, self.shape, self.keepdim) / x)
        if self.all:
            if zeros > 1:
                return get_array_module(x).zeros_like(x)
            return grad * products_of_others(x.reshape(-1), 0).reshape(x.shape)
        return grad * products_of_others(x, self.axes[0])


class Cumsum(Function):
    """out_i = sum_{j <= i} x_j along `dim`;  dx_j = sum_{i >= j} grad_i (a reversed cumsum).
    A 0-d tensor is its own cumulative sum (dim 0 or -1), as in PyTorch."""
    def forward(self, x, dim):
        _axes(dim, x.ndim)  # checks the dimension
        self.dim = dim
        return x.copy() if x.ndim == 0 else row_major(get_array_module(x).cumsum(x, axis=dim, dtype=_own(x)))

    def backward(self, grad):
        if grad.ndim == 0:
            return grad
        xp = get_array_module(grad)
        return xp.flip(xp.cumsum(xp.flip(grad, self.dim), axis=self.dim), self.dim)


class Nansum(Function):
    """out = sum of the x that are not NaN, over `dim`;  dx = grad * (x is not NaN). A product with
    the mask, not a selection, as PyTorch's: an infinite grad (nanmean of all-NaN) gives NaN."""
    versions_of = (0,)  # PyTorch's backward reads x itself

    def forward(self, x, dim=None, keepdim=False):
        xp = get_array_module(x)
        self.shape, self.keepdim, self.axes = x.shape, keepdim, _axes(dim, x.ndim)
        self.save_for_backward(x == x)
        return row_major(xp.where(x == x, x, 0).sum(axis=self.axes, keepdims=keepdim).astype(x.dtype, copy=False))

    def backward(self, grad):
        return _expand(grad, self.axes, self.shape, self.keepdim) * self.saved[0]


class Median(Function):
    """out = the lower median of all elements, the ((n - 1) // 2)-th smallest; NaN if any is NaN
    (ignore_nan=True: of the others, torch.nanmedian); dx = grad shared equally among the
    elements equal to it (among the NaNs for a NaN), as torch.median's."""
    versions_of = (0, "out")  # PyTorch's backward keeps x and out (this one, a mask)

    def forward(self, x, ignore_nan=False):
        xp = get_array_module(x)
        flat = x.reshape(-1)
        nan = flat != flat
        if ignore_nan:
            flat = flat[~nan]
        if flat.size == 0 or nan.any() and not ignore_nan:
            out = xp.asarray(xp.nan if x.dtype.kind == "f" else xp.iinfo(x.dtype).min, dtype=x.dtype)
        else:
            k = (flat.size - 1) // 2
            out = xp.partition(flat, k)[k]
        chosen = x != x if out != out else x == out
        self.save_for_backward(chosen, chosen.sum().astype(x.dtype))
        return out.reshape(())

    def backward(self, grad):
        chosen, count = self.saved
        return grad * chosen / count


class LogSumExp(Function):
    """out = m + log(sum(exp(x - m))) over `dim`, m the maximum (0 where it is infinite), so exp
    never overflows;  dx = grad * exp(x - out), the softmax, as PyTorch computes it from x and out
    (both kept: an in-place change to either is refused)."""
    def forward(self, x, dim, keepdim=False):
        xp = get_array_module(x)
        self.shape, self.keepdim, self.axes = x.shape, keepdim, _axes(dim, x.ndim)
        if x.size:
            m = x.max(axis=self.axes, keepdims=True)
            m = xp.where(xp.isinf(m), 0, m).astype(x.dtype, copy=False)
        else:
            m = xp.zeros([1 if i in self.axes else n for i, n in enumerate(x.shape)], x.dtype)
        out = row_major(xp.log(xp.exp(x - m).sum(axis=self.axes, keepdims=True)) + m)
        self.save_for_backward(x, out)
        return out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        x, out = self.saved
        return _expand(grad, self.axes, self.shape, self.keepdim) * get_array_module(x).exp(x - out)


class Unique(Function):
    """out = the distinct values of x (found by the caller: `values`). PyTorch puts unique in the
    graph without a derivative, so its result requires grad and its backward refuses."""
    def forward(self, x, values, by_dim=False):
        self.backward_name = "UniqueDimBackward0" if by_dim else "Unique2Backward0"
        self.refusal = f"the derivative for '{'unique_dim' if by_dim else '_unique2'}' is not implemented."
        return values

    def backward(self, grad):
        raise NotImplementedError(self.refusal)
