"""Reductions that read the values in order: aminmax (amin and amax at once), kthvalue (the k-th
smallest), mode (the most frequent value), quantile (interpolating between sorted values) and
unique_consecutive (runs of equal values). The selecting ones (kthvalue, mode) give their gradient
to the element chosen, through a gather; quantile's is that of the sort and the interpolation."""
from collections import namedtuple

import numpy as np

from . import dtypes
from .array_module import get_array_module
from .ops.reductions import Unique
from .ops.scatter import Gather

# torch.return_types.aminmax, kthvalue and mode
aminmax_result = namedtuple("aminmax", ["min", "max"])
kthvalue_result = namedtuple("kthvalue", ["values", "indices"])
mode_result = namedtuple("mode", ["values", "indices"])
_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class OrderMethods:
    def aminmax(self, *, dim=None, keepdim=False):
        """The named tuple (min, max) of amin and amax over dim (all elements by default)."""
        if dim is not None and self.ndim and self.shape[self._dim(dim)] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {self._dim(dim)} to have non-zero size.")
        if self.array.size == 0 and dim is None:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the operation has no "
                               "identity.")
        if dim is None and keepdim:
            shape = (1,) * self.ndim
            return aminmax_result(self.amin().reshape(shape), self.amax().reshape(shape))
        return aminmax_result(self.amin(dim, keepdim) if dim is not None else self.amin(),
                              self.amax(dim, keepdim) if dim is not None else self.amax())

    def _select(self, name, dim, keepdim, pick):
        """The element `pick(row array, axis)` chooses along dim (an index array with that axis kept):
        values (gathered, so the gradient goes there) and indices, as a named tuple."""
        d = self._dim(dim)
        x = self.reshape(1) if self.ndim == 0 else self
        if x.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        index = pick(x.array, d).astype(dtypes.int64, copy=False)
        values = Gather.apply(x, index, dim=d)
        index = self._const(index)
        if not keepdim or self.ndim == 0:
            values, index = values.squeeze(d), index.squeeze(d)
        return values, index

    def kthvalue(self, k, dim=-1, keepdim=False):
        """The k-th smallest value along dim (k from 1; NaN counts as the largest) and its index."""
        d = self._dim(dim)
        n = self.shape[d] if self.ndim else 1
        if n == 0:
            raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
        if not 1 <= k <= n:
            raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")

        def pick(a, axis):
            order = get_array_module(a).argsort(a, axis=axis, kind="stable")
            return order.take([k - 1], axis=axis)
        return kthvalue_result(*self._select("kthvalue", dim, keepdim, pick))

    def mode(self, dim=-1, keepdim=False):
        """The most frequent value along dim (the smallest of equally frequent ones) and the index of
        its last occurrence. (Rows with NaN: PyTorch's answer depends on where its sort leaves the NaN,
        which is unspecified; here a NaN is one value of its own.)"""
        def pick(a, axis):
            xp = get_array_module(a)
            a = xp.moveaxis(a, axis, -1)
            ordered = xp.sort(a, axis=-1)
            counts = (ordered[..., :, None] == ordered[..., None, :]).sum(axis=-1)
            value = xp.take_along_axis(ordered, counts.argmax(axis=-1)[..., None], axis=-1)  # smallest of the most
            last = a.shape[-1] - 1 - (a == value)[..., ::-1].argmax(axis=-1)
            return xp.moveaxis(last[..., None], -1, axis)
        return mode_result(*self._select("mode", dim, keepdim, pick))

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        """The q-th quantiles (q a number or a 1-D tensor in [0, 1]) along dim (of all elements by
        default), interpolating between the two sorted values around q * (n - 1); NaN where a row
        has one. A tensor q's values make the first dim of the result."""
        xp = get_array_module(self.array)
        if self.array.size == 0:
            raise RuntimeError("quantile() input tensor must be non-empty")
        if self.array.dtype.kind != "f":
            raise RuntimeError("quantile() input tensor must be either float or double dtype")
        if hasattr(q, "_result_class"):
            if q.ndim > 1:
                raise RuntimeError("quantile() q must be a scalar or 1D tensor")
            if q.array.dtype != self.array.dtype:
                raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
            qs = q.array.reshape(-1)
            if qs.size and not bool(((qs >= 0) & (qs <= 1)).all()):
                raise RuntimeError("quantile() q values must be in the range [0, 1]")
        else:
            if not 0 <= q <= 1:
                raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q}")
            qs = xp.asarray([q], dtype=self.array.dtype)
        if interpolation not in _INTERPOLATIONS:
            raise RuntimeError(f"quantile() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                               f"Got {interpolation}")
        d = 0 if dim is None else self._dim(dim)  # (a 0-d tensor takes dim 0 or -1)
        x = self.reshape(-1) if dim is None or self.ndim == 0 else self
        ordered = x.sort(dim=d).values  # NaN last
        n = ordered.shape[d]
        # the rank of each quantile (along d, one per q), n - 1 in a row with a NaN: its value is NaN
        rank = qs.reshape((-1,) + (1,) * (ordered.ndim - d - 1)) * (n - 1)
        rank = xp.where(xp.isnan(ordered.array).any(axis=d, keepdims=True), n - 1, rank).astype(qs.dtype)
        lower, upper = xp.floor(rank), xp.ceil(rank)
        if interpolation in ("lower", "higher", "nearest"):  # one sorted value, no interpolation
            chosen = {"lower": lower, "higher": upper, "nearest": xp.round(rank)}[interpolation]  # round: half to even
            result = ordered.gather(d, self._const(chosen.astype(dtypes.int64)))
        else:  # between the two around the rank, with PyTorch's lerp
            weight = rank - lower if interpolation == "linear" else xp.full_like(rank, 0.5)
            below = ordered.gather(d, self._const(lower.astype(dtypes.int64)))
            above = ordered.gather(d, self._const(upper.astype(dtypes.int64)))
            result = below.lerp(above, self._const(weight.astype(ordered.array.dtype)))
        if not hasattr(q, "_result_class") or q.ndim == 0:  # one quantile: in the place of the reduced dim
            return result.reshape((1,) * self.ndim) if keepdim and dim is None else \
                result if keepdim else result.squeeze(d)
        if keepdim and dim is None:
            return result.reshape((len(qs),) + (1,) * self.ndim)
        return result.movedim(d, 0).unsqueeze(d + 1) if keepdim else result.movedim(d, 0)  # q's values first

    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        """The first of each run of equal values (of equal slices along dim), with the index of each
        element's run and the runs' lengths if asked."""
        xp = get_array_module(self.array)
        check_unique_dim(self, dim)
        if dim is None:
            a = self.array.reshape(-1)
        else:
            a = xp.moveaxis(self.array, self._dim(dim), 0)
        flat = a.reshape(a.shape[0], int(np.prod(a.shape[1:]))) if a.ndim else a.reshape(1, 1)
        starts = xp.ones(flat.shape[0], bool)
        starts[1:] = (flat[1:] != flat[:-1]).any(axis=1) if flat.shape[1] else False
        values = a[starts]
        if dim is not None:
            values = xp.moveaxis(values, 0, self._dim(dim))
        out = [Unique.apply(self, xp.ascontiguousarray(values), by_dim=dim is not None)]
        if return_inverse:
            run = xp.cumsum(starts) - 1
            out.append(self._const(run.astype(dtypes.int64).reshape(self.shape if dim is None else (-1,))))
        if return_counts:
            bounds = xp.concatenate([xp.nonzero(starts)[0], xp.asarray([flat.shape[0]])])
            out.append(self._const(xp.diff(bounds).astype(dtypes.int64)))
        return out[0] if len(out) == 1 else tuple(out)



def check_unique_dim(x, dim):
    """unique over slices along dim: PyTorch refuses a tensor empty along another dim."""
    if dim is not None and x.ndim:
        d = x._dim(dim)
        if any(n == 0 for k, n in enumerate(x.shape) if k != d):
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
