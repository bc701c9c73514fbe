"""Tensor's fills: fill_, zero_, masked_fill_, index_fill_, fill_diagonal_, copy_ and the random
fills normal_ and uniform_, each an in-place write (tensor_inplace.py's `_inplace`, so in the
graph too, with the version counter).

An expanded tensor (x.expand(...): elements sharing memory) is refused by PyTorch's in-place ops,
but not by its fills with a number: fill_, zero_, masked_fill_ and index_fill_ write each chosen
element's memory, which is the base's (the last two warning that this is deprecated).
"""
import warnings

import numpy as np

from . import dtypes
from .autograd import is_grad_enabled
from .array_module import get_array_module
from .ops.elementwise import Where
from .random_source import rng
from .tensor_index import broadcast_shape
from .tensor_special import scalar_name


def _is_tensor(x):
    return hasattr(x, "_result_class")


def shares_elements(array):
    """An expanded array: several of its elements are one place in memory (a stride of 0)."""
    return array.size > 1 and any(s == 0 and n > 1 for s, n in zip(array.strides, array.shape))


class FillMethods:
    def fill_(self, value):
        if _is_tensor(value) and value.requires_grad and is_grad_enabled():  # a 0-d tensor in the graph:
            if value.array.ndim:  # it gets the sum of self's gradient
                raise RuntimeError(f"fill_ only supports 0-dimension value tensor but got tensor with "
                                   f"{value.array.ndim} dimensions.")
            return self._inplace(lambda t: Where.apply(np.True_, value._cast(self.array.dtype), t), value)
        number = not _is_tensor(value)  # PyTorch fills an expanded tensor with a number, not a tensor's
        value = dtypes.fill_value(value if number else value.item(), self.array.dtype)
        if number and self._expanded_outside_graph():
            return self._write_expanded(value)
        return self._inplace(lambda t: Where.apply(np.True_, value, t))

    def zero_(self):
        return self.fill_(0)

    def masked_fill_(self, mask, value):
        if self._expanded_outside_graph(value):
            result = self.masked_fill(mask, value)  # checked as the op checks it
            if result.shape == self.shape:
                chosen = get_array_module(self.array).broadcast_to(mask.array, self.shape)
                return self._write_expanded(result.array, chosen, warn="masked_fill_")
        return self._inplace(lambda t: t.masked_fill(mask, value), value)

    def index_fill_(self, dim, index, value):
        if self._expanded_outside_graph(value):
            result = self.index_fill(dim, index, value)  # checked as the op checks it
            xp = get_array_module(self.array)
            chosen = xp.zeros(self.shape, dtype=bool)
            chosen[(slice(None),) * self._dim(dim) + (index.array.reshape(-1),)] = True
            return self._write_expanded(result.array, chosen, warn="index_fill_")
        return self._inplace(lambda t: t.index_fill(dim, index, value), value)

    def _expanded_outside_graph(self, *others):
        return shares_elements(self.array) and not (is_grad_enabled() and (
            self.requires_grad or any(getattr(o, "requires_grad", False) for o in others)))

    def _write_expanded(self, values, chosen=True, warn=None):
        """Write values at `chosen` (a mask, or everywhere) into an expanded tensor's memory."""
        if warn:
            warnings.warn(f"Use of {warn} on expanded tensors is deprecated. Please clone() the tensor before "
                          "performing this operation. This also applies to advanced indexing e.g. tensor[mask] = "
                          "scalar", UserWarning, stacklevel=3)
        target = self.array.view()
        if not getattr(target.flags, "writeable", True):
            target.flags.writeable = True  # numpy hands broadcast views out read-only; the memory is self's base's
        get_array_module(target).copyto(target, values, where=chosen)
        self._version[0] += 1
        return self

    def fill_diagonal_(self, fill_value, wrap=False):
        """Write fill_value on the main diagonal self[i, i, ..., i] (all dims of one length, or a
        matrix); wrap=True continues down a tall matrix every (columns + 1) rows, as numpy's."""
        if self.ndim < 2:
            raise RuntimeError("dimensions must larger than 1")
        n = self.shape[1]
        if self.ndim > 2 and any(k != n for k in self.shape):
            raise RuntimeError("all dimensions of input must be of equal length")
        step = sum(n ** k for k in range(self.ndim))  # one more along every dim: the flat distance
        end = self.array.size if wrap and self.ndim == 2 else min(self.shape[0], n) * step
        xp = get_array_module(self.array)
        mask = xp.zeros(self.array.size, dtype=bool)
        mask[xp.arange(0, min(end, self.array.size), step)] = True
        return self.masked_fill_(self._const(mask.reshape(self.shape)), fill_value)

    def copy_(self, src):
        """Copy src's values (broadcast, converted to self's dtype and device) into self."""
        if not _is_tensor(src):
            src = self._const(get_array_module(self.array).asarray(src))
        src = src.to(self.device)._cast(self.array.dtype)
        broadcast_shape(self.shape, src.shape)  # PyTorch's error where src does not broadcast
        return self._inplace(lambda t: Where.apply(np.True_, src, t), src)

    def _random_(self, draw):
        xp = get_array_module(self.array)
        values = draw(rng()).astype(self.array.dtype)
        values = values if xp is np else xp.asarray(values)
        return self._inplace(lambda t: Where.apply(np.True_, values, t))

    def _floats_only(self, kernel):
        if self.array.dtype.kind != "f":
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_name(self.array.dtype)}': "
                                      "these samples need a float tensor")

    def normal_(self, mean=0.0, std=1.0):
        """Fill with samples of N(mean, std^2) from minigrad's seeded source."""
        self._floats_only("normal_kernel_cpu")
        return self._random_(lambda r: r.normal(mean, std, self.shape))

    def uniform_(self, a=0.0, b=1.0):
        """Fill with samples of U[a, b) from minigrad's seeded source."""
        self._floats_only("check_uniform_bounds")
        return self._random_(lambda r: r.uniform(a, b, self.shape))
