"""Reductions: sum, mean, max (amax), prod and cumsum over some dimensions.

Their backward spreads the output gradient back over the reduced dimensions:
sum copies it to every element, mean copies it divided by the count, and max
sends it only to the elements that were the maximum (shared equally on ties,
as torch.amax does).
"""
from ..backend import get_array_module
from ..autograd import Function


def _axes(dim, ndim):
    """dim (None, int or tuple) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    for d in dims:
        if not -ndim <= d < max(ndim, 1):
            raise IndexError(f"dimension {d} is out of range for a tensor with {ndim} dimensions")
    return tuple(sorted(d % max(ndim, 1) for d in dims))


def _expand(grad, axes, shape, keepdim):
    """Give `grad` back the reduced axes (as size 1) and broadcast it to `shape`."""
    xp = get_array_module(grad)
    if not keepdim:
        grad = grad.reshape([1 if i in axes else n for i, n in enumerate(shape)])
    return xp.broadcast_to(grad, shape)


class Sum(Function):
    """out = sum of x over `dim`;  dx = grad copied to every summed element."""
    def forward(self, x, dim=None, keepdim=False):
        self.shape, self.keepdim = x.shape, keepdim
        self.axes = _axes(dim, x.ndim)
        return x.sum(axis=self.axes, keepdims=keepdim)

    def backward(self, grad):
        return _expand(grad, self.axes, self.shape, self.keepdim)


class Mean(Function):
    """out = sum(x) / n over `dim`;  dx = grad / n for every element."""
    def forward(self, x, dim=None, keepdim=False):
        self.shape, self.keepdim = x.shape, keepdim
        self.axes = _axes(dim, x.ndim)
        self.count = 1
        for a in self.axes:
            self.count *= x.shape[a]
        return x.mean(axis=self.axes, keepdims=keepdim)

    def backward(self, grad):
        return _expand(grad / self.count, self.axes, self.shape, self.keepdim)


class Max(Function):
    """out = max of x over `dim` (values, torch.amax);  dx = grad where x was
    the maximum, split equally between ties. Only a boolean mask is kept."""
    def forward(self, x, dim=None, keepdim=False):
        self.shape, self.keepdim = x.shape, keepdim
        self.axes = _axes(dim, x.ndim)
        if x.size == 0:
            raise ValueError("max(): the tensor is empty, so it has no maximum")
        if not self.needs_input_grad[0]:
            return x.max(axis=self.axes, keepdims=keepdim)
        out = x.max(axis=self.axes, keepdims=True)
        if self.needs_input_grad[0]:
            mask = x == out
            self.save_for_backward(mask, mask.sum(axis=self.axes, keepdims=True).astype(x.dtype))
        return out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        mask, ties = self.saved
        grad = _expand(grad, self.axes, self.shape, self.keepdim)
        return grad * mask / ties


class Prod(Function):
    """out = product of x over `dim`;  dx = grad * out / x (needs x without zeros)."""
    def forward(self, x, dim=None, keepdim=False):
        self.shape, self.keepdim = x.shape, keepdim
        self.axes = _axes(dim, x.ndim)
        out = x.prod(axis=self.axes, keepdims=keepdim)
        self.save_for_backward(x, out)
        return out

    def backward(self, grad):
        x, out = self.saved
        if (x == 0).any():
            raise RuntimeError("prod(): minigrad's backward of prod needs an input without zeros "
                               "(PyTorch handles zeros; here use exp(log(x).sum()) or mask the zeros)")
        return _expand(grad * out, self.axes, self.shape, self.keepdim) / x


class Cumsum(Function):
    """out_i = sum_{j <= i} x_j along `dim`;  dx_j = sum_{i >= j} grad_i (a reversed cumsum)."""
    def forward(self, x, dim):
        self.dim = dim
        return get_array_module(x).cumsum(x, axis=dim)

    def backward(self, grad):
        xp = get_array_module(grad)
        return xp.flip(xp.cumsum(xp.flip(grad, self.dim), axis=self.dim), self.dim)
