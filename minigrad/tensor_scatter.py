"""Writing another tensor's values into a copy of this one: masked_scatter (source's values, in
order, wherever the mask is True) and scatter_reduce (src's values combined at index along dim by
sum, prod, mean, amax or amin: ops/scatter_reduce.py), with their in-place forms. scatter and
scatter_add are in tensor_shape.py."""
import numpy as np

from .ops.broadcast_errors import broadcast_error
from .ops.scatter_reduce import REDUCTIONS, ScatterReduce
from .tensor_special import not_implemented_for, scalar_name


class ScatterMethods:
    def masked_scatter(self, mask, source):
        """A copy of self (broadcast with mask) with source's first values, in order, written where the
        bool mask is True; differentiable in both (source's unused values get a zero gradient)."""
        if mask.array.dtype.kind != "b":
            raise RuntimeError(f"masked_scatter_ only supports boolean masks, but got mask with dtype "
                               f"{scalar_name(mask.array.dtype)}")
        if source.array.dtype != self.array.dtype:
            raise RuntimeError(f"masked_scatter: expected self and source to have same dtypes but got"
                               f"{scalar_name(self.array.dtype)} and {scalar_name(source.array.dtype)}")
        try:
            shape = np.broadcast_shapes(self.shape, mask.shape)
        except ValueError:
            raise broadcast_error(mask.shape, self.shape) from None
        mask = mask.expand(shape)
        count = int(mask.array.sum())
        if source.numel() < count:
            raise RuntimeError("Number of elements of source < number of ones in mask")
        out = self.expand(shape).clone().contiguous()  # (row-major, as PyTorch's result)
        out[mask] = source.reshape(-1)[:count]
        return out

    def masked_scatter_(self, mask, source):
        if np.broadcast_shapes(self.shape, mask.shape) != self.shape:
            raise RuntimeError(f"expand({list(mask.shape)}, size={list(self.shape)}): the mask must broadcast to "
                               "the shape of self")
        return self._inplace(lambda t: t.masked_scatter(mask, source), source)

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        """A copy of self with src's values combined in at index along dim (see ops/scatter_reduce.py)."""
        dim = self._dim(dim)
        reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's older names, still taken
        if reduce not in REDUCTIONS:
            raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
        if src.array.dtype != self.array.dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        if reduce == "mean" and self.array.dtype.kind == "b":  # (PyTorch's kernel names: scatter, or its division)
            raise not_implemented_for("scatter_gather_tensor_cpu_reduce_mean" if index.numel() else "div_floor_cpu",
                                      self.array.dtype)
        return ScatterReduce.apply(self, src, index.array, dim=dim, reduce=reduce,
                                   include_self=include_self)

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return self._inplace(lambda t: t.scatter_reduce(dim, index, src, reduce, include_self=include_self), src)
