"""Tensor's reductions: sum, mean, prod, std, var, norm, max/min (the value, or PyTorch's
(values, indices) named tuple with a dim), amax/amin, argmax/argmin, all/any, topk, sort,
cumsum. Each casts as PyTorch does (bools and ints sum to int64; mean needs floats) and
calls one op of minigrad/ops/reductions.py, or works on arrays where no gradient flows.
"""
import numpy as np

from . import dtypes, return_types
from .backend import get_array_module
from .ops.reductions import Cumsum, Max, Mean, Prod, Sum
from .ops.shapes import Gather


def _is_tensor(x):
    return hasattr(x, "_result_class")


class ReductionMethods:
    # ---- reductions ------------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False, dtype=None):
        x = self if self.array.dtype.kind == "f" else self._cast(dtypes.int64)  # bools and ints sum to int64
        if dtype is not None:
            x = x._cast(dtypes.as_dtype(dtype))
        return Sum.apply(x, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, dtype=None):
        x = self if dtype is None else self._cast(dtypes.as_dtype(dtype))
        if x.array.dtype.kind != "f":
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a floating "
                               f"point or complex dtype. Got: {dtypes.name(x.array.dtype)}")
        return Mean.apply(x, dim=dim, keepdim=keepdim)

    def prod(self, dim=None, keepdim=False):
        x = self if self.array.dtype.kind == "f" else self._cast(dtypes.int64)
        return Prod.apply(x, dim=dim, keepdim=keepdim)

    def cumsum(self, dim):
        x = self if self.array.dtype.kind == "f" else self._cast(dtypes.int64)
        return Cumsum.apply(x, dim=dim)

    def amax(self, dim=None, keepdim=False):
        """The largest values over `dim` (a tie shares the gradient equally)."""
        return Max.apply(self, dim=dim, keepdim=keepdim)

    def logsumexp(self, dim, keepdim=False):
        """log(sum(exp(x))) over dim, as m + log(sum(exp(x - m))) with m the (constant) maximum, so
        exp never overflows; the gradient is softmax(x). A row of -inf gives -inf, as PyTorch."""
        x = self._floating()
        m = x.detach().amax(dim, keepdim=True)
        m = m.masked_fill(m.isinf(), 0)  # an infinite maximum: subtract nothing
        out = (x - m).exp().sum(dim, keepdim=keepdim).log()
        return out + m.reshape(out.shape)

    def amin(self, dim=None, keepdim=False):
        return -Max.apply(-self, dim=dim, keepdim=keepdim) if self.array.dtype.kind != "b" else \
            self._const(self.array.min(axis=dim, keepdims=keepdim))

    def _extreme(self, dim, keepdim, largest):
        if _is_tensor(dim):  # max(other): the elementwise maximum
            return self.maximum(dim) if largest else self.minimum(dim)
        if dim is None:
            return self.amax() if largest else self.amin()
        if isinstance(dim, (tuple, list)):
            raise TypeError(f"{'max' if largest else 'min'}(dim) takes one dimension, got {dim}: for the values "
                            f"over several use {'amax' if largest else 'amin'}(dim={tuple(dim)})")
        xp = get_array_module(self.array)
        pick = xp.argmax if largest else xp.argmin
        index = pick(self.array, axis=dim, keepdims=True)
        values = Gather.apply(self, index, dim=dim)  # the gradient goes to the one chosen element
        if not keepdim:
            values, index = values.squeeze(dim), index.squeeze(axis=dim)
        kind = return_types.max if largest else return_types.min
        return kind(values, self._const(index.astype(dtypes.int64, copy=False)))

    def max(self, dim=None, keepdim=False):
        """max(): the largest value; max(dim): the named tuple (values, indices), as PyTorch."""
        return self._extreme(dim, keepdim, True)

    def min(self, dim=None, keepdim=False):
        return self._extreme(dim, keepdim, False)

    def argmax(self, dim=None, keepdim=False):
        out = get_array_module(self.array).argmax(self.array, axis=dim, keepdims=keepdim and dim is not None)
        return self._const(out.astype(dtypes.int64, copy=False))

    def argmin(self, dim=None, keepdim=False):
        out = get_array_module(self.array).argmin(self.array, axis=dim, keepdims=keepdim and dim is not None)
        return self._const(out.astype(dtypes.int64, copy=False))

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        """The distinct values, sorted (no gradient), with the inverse indices and counts if asked."""
        xp = get_array_module(self.array)
        out = xp.unique(self.array, return_inverse=return_inverse, return_counts=return_counts, axis=dim)
        if not isinstance(out, tuple):
            return self._const(out)
        values, rest = out[0], [o.astype(dtypes.int64).reshape(self.shape) if return_inverse and k == 0 else
                                 o.astype(dtypes.int64) for k, o in enumerate(out[1:])]
        return (self._const(values), *(self._const(r) for r in rest))

    def all(self, dim=None, keepdim=False):
        return self._const(get_array_module(self.array).all(self.array, axis=dim, keepdims=keepdim))

    def any(self, dim=None, keepdim=False):
        return self._const(get_array_module(self.array).any(self.array, axis=dim, keepdims=keepdim))

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        """The variance; `correction` (or `unbiased`) 1 divides by n - 1, as PyTorch's default."""
        if isinstance(dim, bool):  # x.var(False): the old `unbiased` overload
            dim, unbiased = None, dim
        if correction is None:
            correction = 0 if unbiased is False else 1
        x = self._floating()
        d = x - x.mean(dim, keepdim=True)
        n = x.array.size if dim is None else int(np.prod([x.shape[i] for i in np.atleast_1d(dim)]))
        return (d * d).sum(dim, keepdim=keepdim) / max(n - correction, 0)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return self.var(dim, unbiased, keepdim, correction=correction).sqrt()

    def norm(self, p="fro", dim=None, keepdim=False):
        """The p-norm over `dim` (all elements by default): 2 (or 'fro'), 1, inf or any p > 0."""
        x = self._floating()
        if p in ("fro", 2, 2.0):  # at a zero vector the gradient is 0, as PyTorch's, not sqrt's inf * 0
            s = (x * x).sum(dim, keepdim=keepdim)
            zero = s == 0
            return s.masked_fill(zero, 1).sqrt().masked_fill(zero, 0)
        if p == 1:
            return x.abs().sum(dim, keepdim=keepdim)
        if p == float("inf"):
            return x.abs().amax(dim, keepdim=keepdim)
        return (x.abs() ** p).sum(dim, keepdim=keepdim) ** (1.0 / p)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        values, indices = self.sort(dim, descending=largest)
        n = values.shape[dim]
        if k > n:
            raise RuntimeError(f"topk: k ({k}) is larger than the size of dimension {dim} ({n})")
        return return_types.topk(values.narrow(dim, 0, k), indices.narrow(dim, 0, k))

    def sort(self, dim=-1, descending=False):
        index = self.argsort(dim, descending)
        return return_types.sort(Gather.apply(self, index.array, dim=dim), index)

    def argsort(self, dim=-1, descending=False):
        xp = get_array_module(self.array)
        data = self.array
        if descending:  # a stable descending order: sort the reversed array, map the indices back
            n = data.shape[dim]
            index = n - 1 - xp.flip(xp.argsort(xp.flip(data, dim), axis=dim, kind="stable"), dim)
        else:
            index = xp.argsort(data, axis=dim, kind="stable")
        return self._const(index.astype(dtypes.int64, copy=False))

    def type_as(self, other):
        return self.to(other.dtype)
