"""scatter and scatter_add: the reverse of gather (torch.Tensor.scatter / scatter_add).

Along dim 1, say: out[i][index[i][j]] = src[i][j] (scatter) or += src[i][j]
(scatter_add). The gradient of src is the output gradient gathered at the same
places; the gradient of the input is the output gradient, except (scatter) where
it was overwritten.
"""
from ..autograd import Function
from ..backend import get_array_module, scatter_add


def _places(xp, index, dim):
    """The full index tuple that puts index[i][j] at its place along `dim`."""
    where = list(xp.ix_(*[xp.arange(n) for n in index.shape]))
    where[dim] = index
    return tuple(where)


class Scatter(Function):
    """out = x with src written at index along dim (accumulate=True: added)."""
    def forward(self, x, src, index, dim, accumulate=False):
        xp = get_array_module(x)
        if index.ndim != x.ndim:
            raise ValueError(f"scatter: index has {index.ndim} dimensions but the input has {x.ndim}")
        src = xp.broadcast_to(xp.asarray(src, dtype=x.dtype), index.shape) if getattr(src, "ndim", 0) == 0 \
            else src[tuple(slice(0, n) for n in index.shape)]
        self.places, self.accumulate, self.src_shape = _places(xp, index, dim), accumulate, getattr(src, "shape", ())
        out = x.copy()
        if accumulate:
            scatter_add(out, self.places, src)
        else:
            out[self.places] = src
        return out

    def backward(self, grad):
        gx = gs = None
        if self.needs_input_grad[0]:
            gx = grad
            if not self.accumulate:
                gx = grad.copy()
                gx[self.places] = 0
        if len(self.needs_input_grad) > 1 and self.needs_input_grad[1]:
            gs = grad[self.places]
        return gx, gs
