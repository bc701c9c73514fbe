"""Ops that read or write whole slices and diagonals: index_add (slices added at indices along a
dimension), diagonal (a view of a matrix's diagonal) and roll (a cyclic shift).

Each backward sends the gradient back along the same map: index_add's source gets the output
gradient's slices at the indices (its input the gradient itself); a diagonal's gradient is a
zero array with grad on that diagonal; roll's is grad rolled back by the opposite shift.
"""
from ..autograd import Function
from ..array_module import get_array_module, scatter_add
from .layout import row_major


class IndexAdd(Function):
    """out = x with alpha * source[..., k, ...] added to slice index[k] along `dim` (repeats add up);
    dx = grad, dsource = alpha * grad[..., index, ...]."""
    op = "index_add"

    def forward(self, x, source, index, dim, alpha=1):
        self.where, self.alpha = (slice(None),) * dim + (index,), alpha
        out = x.copy()
        scatter_add(out, self.where, source if alpha == 1 else source * alpha)
        return out

    def backward(self, grad):
        gs = None
        if self.needs_input_grad[1]:
            gs = grad[self.where]
            gs = gs if self.alpha == 1 else gs * self.alpha
        return grad if self.needs_input_grad[0] else None, gs


def diagonal_view(x, offset, dim1, dim2):
    """The diagonal x[..., i, i + offset] over (dim1, dim2), moved to the last dimension, as a view
    that can be written through (numpy hands diagonals out read-only)."""
    view = get_array_module(x).diagonal(x, offset, dim1, dim2)
    if not getattr(view.flags, "writeable", True) and getattr(x.flags, "writeable", False):
        view.flags.writeable = True  # x's own memory, so as writeable as x: PyTorch's diagonal is a view
    return view


class Diagonal(Function):
    """out[..., i] = x[..., i, i + offset] over dims (dim1, dim2) (a view, as torch.diagonal);
    dx = zeros with grad on that diagonal."""
    is_view = True

    def forward(self, x, offset=0, dim1=0, dim2=1):
        self.shape, self.options = x.shape, (offset, dim1, dim2)
        return diagonal_view(x, offset, dim1, dim2)

    def backward(self, grad):
        out = get_array_module(grad).zeros(self.shape, grad.dtype)
        diagonal_view(out, *self.options)[...] = grad
        return out


class Roll(Function):
    """out = x shifted cyclically by `shifts` along `dims` (all elements, flattened, when dims is
    None);  dx = grad shifted back by -shifts."""
    def forward(self, x, shifts, dims):
        self.shifts, self.dims = shifts, dims
        return row_major(get_array_module(x).roll(x, shifts, axis=dims))  # row-major, as PyTorch's

    def backward(self, grad):
        back = tuple(-s for s in self.shifts) if isinstance(self.shifts, tuple) else -self.shifts
        return get_array_module(grad).roll(grad, back, axis=self.dims)
