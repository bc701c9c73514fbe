"""Constant padding (F.pad's 'constant' mode): a border of one value around the last dimensions;
a negative width cuts that many cells off instead.

    forward:   out = value everywhere;  out[inner] = x[kept]
    backward:  dx = 0 on the cells that were cut off;  dx[kept] = grad[inner]

`inner` is where x's kept cells land in the output, `kept` the cells of x that survive the crop
(all of them unless a width is negative). The other modes (reflect, replicate, circular) repeat
input cells, so they are index selections (nn/functional/padding.py).
"""
from ..autograd import Function
from ..array_module import get_array_module


def pad_slices(shape, widths):
    """For (before, after) widths on the last len(widths) dimensions: the output shape, the slices of
    the output that x's kept cells fill, and the slices of x that are kept."""
    lead = len(shape) - len(widths)
    out, inner, kept = list(shape[:lead]), [slice(None)] * lead, [slice(None)] * lead
    for size, (before, after) in zip(shape[lead:], widths):
        out.append(size + before + after)
        inner.append(slice(max(before, 0), max(before, 0) + size - max(-before, 0) - max(-after, 0)))
        kept.append(slice(max(-before, 0), size - max(-after, 0)))
    return tuple(out), tuple(inner), tuple(kept)


class ConstantPad(Function):
    """out = x with a border of `value` (widths[k] = (before, after) for the k-th of the last dimensions)."""
    op = "constant_pad_nd"

    def forward(self, x, widths, value=0):
        shape, self.inner, self.kept = pad_slices(x.shape, widths)
        self.x_shape = x.shape
        out = get_array_module(x).full(shape, value, dtype=x.dtype)
        out[self.inner] = x[self.kept]
        return out

    def backward(self, grad):
        dx = get_array_module(grad).zeros(self.x_shape, dtype=grad.dtype)
        dx[self.kept] = grad[self.inner]
        return dx
