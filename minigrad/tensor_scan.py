"""Tensor's scans along one dimension beside cumsum: cumprod, cummax and cummin (running values
with the index each came from) and logcumsumexp. The ops are in minigrad/ops/scans.py.

As PyTorch: integer and bool cumprod gives int64 (unless `dtype=`), cummax keeps the dtype, a
NaN is the running maximum from where it appears (its index the latest NaN's), a tie takes the
later index, and a 0-d tensor scans as one element.
"""
from collections import namedtuple

from . import dtypes
from .array_module import get_array_module
from .ops.layout import row_major
from .ops.scans import Cumprod, Logcumsumexp, inclusive_scan
from .ops.shapes import Gather

# torch.return_types.cummax, cummin, median, nanmedian (minigrad.return_types holds max, min, sort, topk)
RESULT_TYPES = {name: namedtuple(name, ["values", "indices"]) for name in ("cummax", "cummin", "median", "nanmedian")}


class ScanMethods:
    def _scan(self, op, dim, **options):
        """op along dim; a 0-d tensor is scanned as a 1-element one and given back 0-d."""
        d = self._dim(dim)
        if self.array.ndim == 0:
            return op.apply(self.reshape(1), dim=0, **options).reshape(())
        return op.apply(self, dim=d, **options)

    def cumprod(self, dim, *, dtype=None):
        """out_i = x_0 x_1 ... x_i along dim; the gradient is exact through zeros."""
        x = self if self.array.dtype.kind == "f" else self._cast(dtypes.int64)
        if dtype is not None:
            if dtypes.as_dtype(dtype).kind == "b":
                raise NotImplementedError("\"cumprod_out_cpu\" not implemented for 'Bool'")
            x = x._cast(dtypes.as_dtype(dtype))
        return x._scan(Cumprod, dim)

    def logcumsumexp(self, dim):
        """out_i = log(e^x_0 + ... + e^x_i) along dim, without overflow (floats only, as PyTorch)."""
        if self.array.dtype.kind != "f":
            raise NotImplementedError(f"\"logcumsumexp_out_cpu\" not implemented for "
                                      f"'{dtypes.name(self.array.dtype)}': convert first, e.g. x.float()")
        return self._scan(Logcumsumexp, dim)

    def _running_extreme(self, dim, largest):
        """(values, indices): values_i the max (min) of x_0..x_i, indices_i the latest place it occurs."""
        d = self._dim(dim)
        x = self.reshape(1) if self.array.ndim == 0 else self
        a = x.array
        xp = get_array_module(a)
        pick = xp.maximum if largest else xp.minimum
        running = inclusive_scan(pick, a, d)
        # a place is a candidate if it holds the running value (a NaN holds it from where it appears)
        holds = (a == running) | xp.isnan(a) if a.dtype.kind == "f" else a == running
        place = xp.arange(a.shape[d]).reshape((-1,) + (1,) * (a.ndim - 1 - d))
        index = inclusive_scan(xp.maximum, xp.where(holds, place, -1), d).astype(dtypes.int64, copy=False)
        values = Gather.apply(x, index, dim=d, as_torch_gather=True)  # the gradient goes to each value's place
        if self.array.ndim == 0:
            values, index = values.reshape(()), index.reshape(())
        return RESULT_TYPES["cummax" if largest else "cummin"](values, self._const(row_major(index)))

    cummax = lambda self, dim: self._running_extreme(dim, largest=True)
    cummin = lambda self, dim: self._running_extreme(dim, largest=False)
