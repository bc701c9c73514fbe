"""scatter_reduce (torch.Tensor.scatter_reduce): src's values combined into a copy of x at index
along dim, as scatter places them (out[i][index[i][j]] for dim 1), by sum, prod, mean, amax or
amin; with include_self=False a place that receives values forgets x's own value there. A place
that receives nothing keeps x's.

The gradient is PyTorch's: sum passes the output gradient to x (not where x was forgotten) and,
gathered, to src; mean divides it by how many values each place averaged; amax and amin share it
evenly among the values equal to the result; prod gives each value the product of the others at
its place (recomputed with a zero replaced by 1, so that one zero among them is handled exactly).
"""
from ..autograd import Function
from ..array_module import get_array_module, scatter_add
from .scatter import check_index, combine_at, index_places

REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _identity(xp, reduce, dtype):
    """The value a forgotten place starts from: 0 for sum and mean, 1 for prod, the lowest (highest)
    value of the dtype for amax (amin)."""
    if reduce in ("sum", "mean", "prod"):
        return int(reduce == "prod")
    if dtype.kind == "b":
        return reduce == "amin"
    if dtype.kind == "f":
        return -xp.inf if reduce == "amax" else xp.inf
    return xp.iinfo(dtype).min if reduce == "amax" else xp.iinfo(dtype).max


class ScatterReduce(Function):
    def forward(self, x, src, index, dim=0, reduce="sum", include_self=True):
        check_index("scatter_reduce", index, dim, x, src)
        xp = get_array_module(x)
        index_shape = index.shape or (1,)
        places = index_places(xp, index.reshape(index_shape), dim)
        used = tuple(slice(0, n) for n in index_shape)
        values = src.reshape(src.shape or (1,))[used]
        base = x.reshape(x.shape or (1,))
        count = xp.zeros(base.shape, xp.int64)
        scatter_add(count, places, 1)
        self.hit, self.count = count > 0, count + int(include_self)  # how many values each place combines
        self.places, self.used, self.reduce, self.include_self = places, used, reduce, include_self
        self.shapes = (x.shape, src.shape)
        out = self.combine(base, values)
        self.save_for_backward(base, values, out)
        return out.reshape(x.shape)

    def combine(self, base, values):
        xp = get_array_module(base)
        out = base.copy()
        if not self.include_self:
            out[self.hit] = _identity(xp, self.reduce, base.dtype)
        if self.reduce in ("sum", "mean"):
            scatter_add(out, self.places, values)
        else:
            combine_at({"prod": xp.multiply, "amax": xp.maximum, "amin": xp.minimum}[self.reduce], out, self.places,
                       values)
        if self.reduce == "mean":
            divisor = xp.maximum(self.count, 1).astype(out.dtype)
            mean = out // divisor if out.dtype.kind in "iu" else out / divisor
            out = xp.where(self.hit, mean, out).astype(out.dtype, copy=False)
        return out

    def backward(self, grad):
        if self.needs_input_grad[1] and tuple(self.shapes[1] or (1,)) != tuple(s.stop for s in self.used):
            raise RuntimeError(f"scatter_reduce: the gradient of src needs src of index's shape "
                               f"{[s.stop for s in self.used]}, got {list(self.shapes[1])} (PyTorch's backward "
                               "refuses it, or for prod computes a wrong one): pass src narrowed to index's shape")
        base, values, out = self.saved
        xp = get_array_module(grad)
        grad = grad.reshape(base.shape)
        kept = self.include_self | ~self.hit  # where x's own value takes part in the result
        if self.reduce in ("sum", "mean"):
            share = grad / xp.maximum(self.count, 1) if self.reduce == "mean" else grad
            gx, gsrc = xp.where(kept, share, 0), share[self.places]
        elif self.reduce in ("amax", "amin"):
            x_is = base == out  # counted among the ties even where forgotten, as PyTorch counts it
            src_is = values == out[self.places]
            ties = x_is.astype(grad.dtype)
            scatter_add(ties, self.places, src_is.astype(grad.dtype))
            share = grad / ties
            gx, gsrc = xp.where(kept, x_is * share, 0), src_is * share[self.places]  # 0 * inf is NaN, as there
        else:  # prod: the product of the others, each zero replaced by 1 where it is the only one
            x_ones = xp.where(base == 0, 1, base)
            gx = xp.where(kept, grad * self.combine(x_ones, values) / x_ones, 0)
            zeros = xp.zeros(base.shape, xp.int64)
            scatter_add(zeros, self.places, (values == 0).astype(xp.int64))
            single = (values == 0) & (zeros[self.places] == 1)
            without = self.combine(base, xp.where(single, 1, values))
            gsrc = xp.where(single, (grad * without)[self.places],
                            (grad * out)[self.places] / xp.where(values == 0, 1, values))
        gs = xp.zeros(self.shapes[1] or (1,), grad.dtype)
        gs[self.used] = gsrc
        return gx.astype(grad.dtype, copy=False).reshape(self.shapes[0]), gs.reshape(self.shapes[1])
