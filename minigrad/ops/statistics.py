"""How spread out and how large: the variance, the standard deviation and the vector p-norm,
reductions whose backward needs the mean or the result itself (sum, mean, max are in
reductions.py). Each follows PyTorch's formulas down to the edge cases: a constant input's std
has gradient 0, too few elements for the correction give inf or NaN, a zero vector's 2-norm has
gradient 0.
"""
from ..autograd import Function
from ..array_module import get_array_module
from .elementwise import torch_sign
from .layout import row_major
from .reductions import _axes, _expand


class Var(Function):
    """var = sum((x - mean)^2) / max(n - correction, 0) over `dim`, n the number of elements reduced;
    dx = grad * 2 (x - mean) / (n - correction). Computed in float64 for a float32 input, as
    PyTorch's CPU kernel accumulates in double (so the std of 1e20s is finite where x^2 overflows).
    With no dof left (n <= correction) over all elements, dx is NaN where x = mean, inf elsewhere."""
    op = "var"

    def forward(self, x, dim=None, correction=1, keepdim=False):
        self.shape, self.keepdim, self.axes = x.shape, keepdim, _axes(dim, x.ndim)
        self.all_elements = dim is None or x.ndim == 0
        count = 1
        for a in self.axes:
            count *= x.shape[a]
        self.count = count
        # dim=() reduces every element, but PyTorch's backward then counts the elements of no dims: 1
        self.dof = (1 if isinstance(dim, (tuple, list)) and not dim else count) - correction
        wide = x.astype("float64") if x.dtype.itemsize < 8 else x
        centred = wide - wide.sum(axis=self.axes, keepdims=True) / count  # / 0: NaN, no numpy warning
        var = (centred * centred).sum(axis=self.axes, keepdims=keepdim) / max(count - correction, 0)
        out = row_major(self.finish(var).astype(x.dtype, copy=False))
        self.save_for_backward(x, out if type(self) is Std else None)  # x itself: an in-place change is caught
        return out

    def finish(self, var):
        return var

    def backward(self, grad):
        x = self.saved[0]
        centred = x - x.sum(axis=self.axes, keepdims=True) / max(self.count, 1)  # x - mean, in x's dtype
        xp = get_array_module(grad)
        grad = _expand(grad, self.axes, self.shape, self.keepdim)
        if self.all_elements and self.dof <= 0:  # 2 / 0 times (x - mean): NaN at the mean, inf elsewhere
            return grad * xp.where(centred == 0, xp.nan, xp.inf).astype(grad.dtype)
        return (2.0 / self.dof if self.dof else float("inf")) * grad * centred


class Std(Var):
    """std = sqrt(var);  dx = var's backward of grad / (2 std), that being 0 where std = 0 (a
    constant input has gradient 0, not 0 / 0), as PyTorch's std_backward."""
    op = "std"
    versions_of = (0, "out")  # kept, as PyTorch's (a full reduction's out is a new 0-d array: named here)

    def finish(self, var):
        return get_array_module(var).sqrt(var)

    def backward(self, grad):
        out = self.saved[1]
        xp = get_array_module(grad)
        return super().backward(xp.where(out == 0, 0, grad / (2 * out)).astype(grad.dtype, copy=False))


class Norm(Function):
    """The vector p-norm over `dim` (torch.linalg.vector_norm): out = (sum |x|^p)^(1/p);
    p = inf: max |x|;  p = -inf: min |x|;  p = 0: the number of non-zero elements.
    dx, PyTorch's formulas:  p = 2: grad x / out (0 where out = 0);  p = 1: grad sign(x);
    p = +-inf: grad sign(x) shared by the elements where |x| = out (or |x| is NaN);  p = 0: 0;
    p < 1: grad sign(x) |x|^(p-1) out^(1-p) (0 where x = 0);  1 < p < 2: grad sign(x) |x|^(p-1) / out^(p-1);
    p > 2: grad x |x|^(p-2) / out^(p-1) (these two 0 where out = 0)."""
    op = "linalg_vector_norm"

    def forward(self, x, p=2.0, dim=None, keepdim=False):
        xp = get_array_module(x)
        self.shape, self.keepdim, self.axes, self.p = x.shape, keepdim, _axes(dim, x.ndim), p
        a = abs(x)
        count = 1
        for ax in self.axes:
            count *= x.shape[ax]
        if count == 0 and p < 0 or count == 0 and p == float("inf"):  # max and negative powers: no identity
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor because "
                               "the operation does not have an identity")
        if count == 1 and p != 0:  # one element: |x| itself, as PyTorch (no x^2 to overflow)
            out = a.reshape([1 if i in self.axes else n for i, n in enumerate(x.shape)])
        elif p in (float("inf"), float("-inf")):
            out = (a.max if p > 0 else a.min)(axis=self.axes, keepdims=True)
        elif p == 0:
            out = (x != 0).sum(axis=self.axes, keepdims=True).astype(x.dtype)
        elif p == 1:
            out = a.sum(axis=self.axes, keepdims=True)
        elif p == 2:
            out = xp.sqrt((x * x).sum(axis=self.axes, keepdims=True))
        else:
            out = (a ** p).sum(axis=self.axes, keepdims=True) ** (1.0 / p)
        out = row_major(out)
        self.save_for_backward(x, out)
        return out if keepdim else out.reshape([n for i, n in enumerate(x.shape) if i not in self.axes])

    def backward(self, grad):
        x, norm = self.saved
        xp = get_array_module(x)
        p = self.p
        grad = _expand(grad, self.axes, self.shape, self.keepdim)
        if p == 0:  # a count: no gradient at all (PyTorch leaves x.grad None)
            return None
        if p == 1:
            return torch_sign(x) * grad
        if p == 2:
            return grad * xp.where(norm == 0, 0, x / norm).astype(x.dtype, copy=False)
        a = abs(x)
        if p in (float("inf"), float("-inf")):
            mask = (a == norm) | xp.isnan(a)
            return torch_sign(x) * (grad / mask.sum(axis=self.axes, keepdims=True) * mask)
        if p < 1:
            scaled = torch_sign(x) * xp.where(x == 0, 0, a ** (p - 1))
            return scaled * grad * norm ** (1 - p)
        scaled = torch_sign(x) * a ** (p - 1) if p < 2 else x * a ** (p - 2)
        return scaled * xp.where(norm == 0, 0, grad / norm ** (p - 1)).astype(x.dtype, copy=False)
