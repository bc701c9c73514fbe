"""Tensor's reductions: sum, mean, prod, std, var, norm, max/min (the value, or PyTorch's
(values, indices) named tuple with a dim), amax/amin, argmax/argmin, all/any, topk, sort,
cumsum. Each casts as PyTorch does (bools and ints sum to int64; mean needs floats) and
calls one op of minigrad/ops/reductions.py, or works on arrays where no gradient flows.
"""
from . import dtypes, return_types
from .autograd import is_grad_enabled
from .array_module import get_array_module
from .ops.reductions import (Cumsum, LogSumExp, Max, Mean, Median, Min, Nansum, Prod, Sum, Unique, check_nonempty,
                             reduce_axes as _axes)
from .ops import layout
from .ops.scatter import Gather
from .ops.statistics import Norm, Std, Var
from .tensor_order import check_unique_dim
from .tensor_scan import RESULT_TYPES
from .tensor_special import scalar_name


def _is_tensor(x):
    return hasattr(x, "_result_class")


class ReductionMethods:
    # ---- reductions ------------------------------------------------------------------------------
    def _accumulated(self, dtype):
        """What sum, prod and cumsum add up: bools and integers in int64, or the given `dtype`; a tensor
        that requires grad refuses an integer one (its result could have no gradient), as PyTorch."""
        if dtype is None:
            return self if self.array.dtype.kind == "f" else self._cast(dtypes.int64)
        dtype = dtypes.as_dtype(dtype)
        if dtype.kind != "f" and self.requires_grad and is_grad_enabled():
            raise RuntimeError(f"Autograd not support dtype: {scalar_name(dtype)}")
        return self._cast(dtype)

    def sum(self, dim=None, keepdim=False, dtype=None):
        return Sum.apply(self._accumulated(dtype), dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self._cast(dtypes.as_dtype(dtype))
        if x.array.dtype.kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {dtypes.name(x.array.dtype)}")
        return Mean.apply(x, dim=dim, keepdim=keepdim)

    def prod(self, dim=None, keepdim=False, dtype=None):
        if isinstance(dim, (tuple, list)):
            raise TypeError("prod() takes one dimension (an int), not a tuple: reduce one at a time")
        return Prod.apply(self._accumulated(dtype), dim=dim, keepdim=keepdim)

    def cumsum(self, dim, dtype=None):
        if dtype is not None and dtypes.as_dtype(dtype).kind == "b":
            raise NotImplementedError("\"cumsum_out_cpu\" not implemented for 'Bool'")
        return Cumsum.apply(self._accumulated(dtype), dim=dim)

    def amax(self, dim=None, keepdim=False):
        """The largest values over `dim` (a tie shares the gradient equally)."""
        return Max.apply(self, dim=dim, keepdim=keepdim, name="amax")

    def amin(self, dim=None, keepdim=False):
        return Min.apply(self, dim=dim, keepdim=keepdim, name="amin")

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over dim, as m + log(sum(exp(x - m))) with m the (constant) maximum, so
        exp never overflows; the gradient is softmax(x). A row of -inf, or none, gives -inf, as PyTorch."""
        return LogSumExp.apply(self._floating(), dim=self._dims(dim) if dim != () else dim, keepdim=keepdim)

    def _extreme(self, dim, keepdim, largest):
        name = "max" if largest else "min"
        if _is_tensor(dim):  # max(other): the elementwise maximum
            return self.maximum(dim) if largest else self.minimum(dim)
        if dim is None:  # the value only; a NaN wins, and shares the gradient with the other NaNs
            return (Max if largest else Min).apply(self, name=name, nan_is_max=True)
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{name}(dim) takes one dimension, got {dim}: for the values "
                            f"over several use {'a' + name}(dim={tuple(dim)})")
        index = self._arg_extreme(name, dim, True, largest)
        if self.array.ndim == 0:
            values = self.clone()
        else:  # the gradient goes to the one chosen element
            values = Gather.apply(self, index.array, dim=dim)
            if not keepdim:
                values, index = values.squeeze(dim), index.squeeze(dim)
        return getattr(return_types, name)(values, index)

    def max(self, dim=None, keepdim=False):
        """max(): the largest value; max(dim): the named tuple (values, indices), as PyTorch."""
        return self._extreme(dim, keepdim, True)

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, False)

    def _arg_extreme(self, name, dim, keepdim, largest):
        """The index of the first maximum (minimum) over dim, or of all elements flattened; NaN wins."""
        if self.array.dtype.kind == "b" and name.startswith("arg"):
            raise RuntimeError(f"{name}(): does not support bool input")
        axes = _axes(dim, self.array.ndim)
        check_nonempty(name, self.array, axes, dim)
        xp = get_array_module(self.array)
        data = self.array.reshape(-1) if self.array.ndim == 0 else self.array
        out = (xp.argmax if largest else xp.argmin)(data, axis=dim if self.array.ndim else 0,
                                                     keepdims=keepdim and dim is not None and self.array.ndim > 0)
        return self._const(out.astype(dtypes.int64, copy=False).reshape(() if self.array.ndim == 0 else out.shape))

    argmax = lambda self, dim=None, keepdim=False: self._arg_extreme("argmax", dim, keepdim, True)
    argmin = lambda self, dim=None, keepdim=False: self._arg_extreme("argmin", dim, keepdim, False)

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct values, sorted (no gradient), with the inverse indices and counts if asked."""
        check_unique_dim(self, dim)
        xp = get_array_module(self.array)
        nan = {} if dim is not None else {"equal_nan": False}  # each NaN distinct, as in PyTorch
        out = xp.unique(self.array, return_inverse=return_inverse, return_counts=return_counts, axis=dim, **nan)
        if not isinstance(out, tuple):
            return Unique.apply(self, out, by_dim=dim is not None)
        inverse_shape = self.shape if dim is None else (self.shape[dim],)  # one index per element, or per slice
        values, rest = out[0], [o.astype(dtypes.int64).reshape(inverse_shape) if return_inverse and k == 0 else
                                 o.astype(dtypes.int64) for k, o in enumerate(out[1:])]
        return (Unique.apply(self, values, by_dim=dim is not None), *(self._const(r) for r in rest))

    def _truth(self, reduce, dim, keepdim):
        """all/any: bool results, except uint8 in, uint8 out (as PyTorch; dim=() reduces nothing)."""
        axes = () if isinstance(dim, (tuple, list)) and not dim else _axes(dim, self.array.ndim)
        out = reduce(self.array, axis=axes, keepdims=keepdim)
        return self._const(out.astype(dtypes.uint8) if self.array.dtype == dtypes.uint8 else out)

    all = lambda self, dim=None, keepdim=False: self._truth(get_array_module(self.array).all, dim, keepdim)
    any = lambda self, dim=None, keepdim=False: self._truth(get_array_module(self.array).any, dim, keepdim)

    def _spread(self, op, dim, unbiased, keepdim, correction):
        """var and std (ops/statistics.py): `correction` (or `unbiased`) 1 divides by n - 1, PyTorch's default."""
        if isinstance(dim, bool):  # x.var(False): the old `unbiased` overload
            dim, unbiased = None, dim
        if unbiased is not None and correction is not None:
            raise TypeError(f"{op.name}() received an invalid combination of arguments: give `correction` "
                            "or `unbiased`, not both")
        if self.array.dtype.kind != "f":
            raise RuntimeError("std and var only support floating point and complex dtypes")
        if correction is None:
            correction = 0 if unbiased is False else 1
        return op.apply(self, dim=dim, correction=correction, keepdim=keepdim)

    var = lambda self, dim=None, unbiased=None, keepdim=False, *, correction=None: \
        self._spread(Var, dim, unbiased, keepdim, correction)
    std = lambda self, dim=None, unbiased=None, keepdim=False, *, correction=None: \
        self._spread(Std, dim, unbiased, keepdim, correction)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        """The vector p-norm over `dim` (all elements by default), torch.linalg.vector_norm's:
        2 (or 'fro'), 1, inf, -inf, 0 or any other p (ops/statistics.py)."""
        if isinstance(dim, bool):  # norm(x, p, True) meant keepdim: PyTorch refuses it as a dim first
            raise TypeError("linalg_vector_norm(): argument 'dim' (position 3) must be tuple of ints, but found "
                            "element of type bool at pos 0")
        x = self if dtype is None else self._cast(dtypes.as_dtype(dtype))
        if x.array.dtype.kind != "f":
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
                               f"{scalar_name(x.array.dtype)}")
        if isinstance(p, str) and p != "fro":
            raise RuntimeError(f"norm(p={p!r}): only vector norms (a number p, or 'fro') are supported")
        if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:  # PyTorch calls matrix_norm then
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(map(str, dim))}")
        return Norm.apply(x, p=2.0 if p == "fro" else float(p), dim=dim, keepdim=keepdim)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        if self.array.dtype.kind == "b":
            raise RuntimeError("topk does not support bool dtypes on CPU")
        values, indices = self.sort(dim, descending=largest)
        n = values.shape[dim] if values.ndim else 1
        if not 0 <= k <= n:
            raise RuntimeError(f"selected index k out of range: k is {k}, dimension {dim} has {n} elements")
        if values.ndim == 0:
            return return_types.topk(values, indices)
        # copies, row-major as PyTorch's (not views of the sorted tensors)
        return return_types.topk(values.narrow(dim, 0, k).contiguous(), indices.narrow(dim, 0, k).contiguous())

    def sort(self, dim=-1, descending=False, stable=False):
        index = self.argsort(dim, descending)
        values = self.clone() if self.array.ndim == 0 else Gather.apply(self, index.array, dim=dim,
                                                                         layout_of=self.array)
        return return_types.sort(values, index)

    def argsort(self, dim=-1, descending=False, stable=False):
        """The order that sorts along dim (NaN last, as the largest), ties in their first order."""
        _axes(dim, self.array.ndim)  # checks the dimension
        xp = get_array_module(self.array)
        data = self.array
        if data.ndim == 0:
            index = xp.zeros((), dtype=dtypes.int64)
        elif descending:  # a stable descending order: sort the reversed array, map the indices back
            n = data.shape[dim]
            index = n - 1 - xp.flip(xp.argsort(xp.flip(data, dim), axis=dim, kind="stable"), dim)
        else:
            index = xp.argsort(data, axis=dim, kind="stable")
        return self._const(layout.elementwise_result(index.astype(dtypes.int64, copy=False), data))  # data's order

    def type_as(self, other):
        return self.to(other.dtype)

    # ---- medians and the NaN-skipping reductions ------------------------------------------------
    def median(self, dim=None, keepdim=False):
        """median(): the lower median of all elements (NaN if any is NaN; a tie shares the gradient).
        median(dim): the named tuple (values, indices) along dim, the index where a stable sort puts
        the median (the first NaN's where the row has one): the index torch.median gives."""
        return self._median(dim, keepdim, ignore_nan=False)

    def nanmedian(self, dim=None, keepdim=False):
        """median, leaving NaN out (NaN only where a row is all NaN)."""
        return self._median(dim, keepdim, ignore_nan=True)

    def _median(self, dim, keepdim, ignore_nan):
        name = "nanmedian" if ignore_nan else "median"
        if self.array.dtype.kind == "b":
            raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
        if dim is None:
            return Median.apply(self, ignore_nan=ignore_nan)
        d = self._dim(dim)
        x = self.reshape(1) if self.array.ndim == 0 else self
        n = x.shape[d]
        if n == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        xp = get_array_module(x.array)
        order = xp.argsort(x.array, axis=d, kind="stable")  # NaN sorts last
        nans = (x.array != x.array).sum(axis=d, keepdims=True)
        k = xp.maximum((n - nans - 1) // 2, 0) if ignore_nan else xp.where(nans > 0, n - nans, (n - 1) // 2)
        index = xp.take_along_axis(order, k, axis=d)
        values = Gather.apply(x, index, dim=d)  # the gradient goes to the median's place
        index = self._const(layout.row_major(index.astype(dtypes.int64, copy=False)))
        if not keepdim or self.array.ndim == 0:
            values, index = values.squeeze(d), index.squeeze(d)
        return RESULT_TYPES[name](values, index)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        """The sum of the elements that are not NaN (integers sum to int64, as sum)."""
        if self.array.dtype.kind != "f":
            return self.sum(dim, keepdim, dtype=dtype)
        x = self if dtype is None else self._cast(dtypes.as_dtype(dtype))
        return Nansum.apply(x, dim=self._dims(dim), keepdim=keepdim)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        """nansum / the number of elements that are not NaN (NaN where all are)."""
        x = self if dtype is None else self._cast(dtypes.as_dtype(dtype))
        if x.array.dtype.kind != "f":
            raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                               f"{scalar_name(x.array.dtype)}")
        count = (x.array == x.array).sum(axis=_axes(dim, x.array.ndim), keepdims=keepdim)
        return x.nansum(dim, keepdim) / self._const(count.astype(x.array.dtype))

    def count_nonzero(self, dim=None):
        """How many elements are not zero (over `dim`: an int or a tuple), as int64."""
        axes = self._dims(dim)
        a = self.array.reshape(1) if self.array.ndim == 0 else self.array  # a 0-d tensor counts as 1-D
        xp = get_array_module(a)
        return self._const(xp.asarray(xp.count_nonzero(a, axis=axes), dtype=dtypes.int64))

    def _dims(self, dim):
        """dim (None, an int or a tuple) as a tuple of non-negative dims, checked; None for all."""
        if dim is None:
            return None
        dims = [self._dim(d) for d in (dim if isinstance(dim, (tuple, list)) else (dim,))]
        for k, d in enumerate(dims):
            if d in dims[:k]:
                raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return tuple(sorted(dims))
