"""Products and differences built from the ones Tensor already has: addcmul/addcdiv (self +
value * t1 * t2, or t1 / t2), addmm/baddbmm (beta * self + alpha * mat1 @ mat2), mv, inner and
vdot, cross (by rolling the 3-vectors), dist (the norm of the difference) and diff (differences of
neighbours). Each is its maths written with those ops, so its gradient is theirs."""
import warnings

import numpy as np

from . import dtypes
from .array_module import get_array_module
from .ops.refused_gradient import RefusedGradient
from .ops.shapes import Concat
from .tensor_special import not_implemented_for, scalar_name


def _is_tensor(x):
    return hasattr(x, "_result_class")


def _zeros_in_graph(t):
    """Zeros of t's shape and dtype whose gradient to t is zero (not None), as PyTorch's beta=0 gives."""
    return t.masked_fill(t._const(get_array_module(t.array).ones(t.shape, bool)), 0)


class ProductMethods:
    def _addc_operands(self, tensor1, tensor2):
        """self, tensor1 and tensor2 in the dtype the three promote to together, tensor1 and tensor2
        expanded to the result's shape (so their gradients are summed as PyTorch sums them)."""
        tensors = (self, tensor1, tensor2)
        dtype = dtypes.result_type([t.array.dtype for t in tensors if t.ndim],
                                   [t.array.dtype for t in tensors if not t.ndim], ())
        try:
            shape = np.broadcast_shapes(*(t.shape for t in tensors))
        except ValueError:  # the op itself refuses them, in PyTorch's words
            return tuple(t._cast(dtype) for t in tensors)
        return self._cast(dtype), tensor1._cast(dtype).expand(shape), tensor2._cast(dtype).expand(shape)

    def addcmul(self, tensor1, tensor2, *, value=1):
        """self + value * tensor1 * tensor2 (value in the result's dtype: truncated for integers)."""
        a, t1, t2 = self._addc_operands(tensor1, tensor2)
        if a.array.dtype.kind == "b":
            raise not_implemented_for("addcmul_cpu_out", a.array.dtype)
        product = t1 * t2
        return a + (product * a.array.dtype.type(value) if value != 1 else product)

    def addcdiv(self, tensor1, tensor2, *, value=1):
        """self + value * tensor1 / tensor2 (a true division: integer tensor1 and tensor2 are refused)."""
        if _is_tensor(tensor1) and _is_tensor(tensor2) and tensor1.array.dtype.kind in "biu" \
                and tensor2.array.dtype.kind in "biu":
            raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release "
                               "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
                               "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
                               "to(input.dtype) using PyTorch's integer division, or as input + value * tensor1 / "
                               "tensor2 for true division (minigrad)")
        a, t1, t2 = self._addc_operands(tensor1, tensor2)
        quotient = t1 / t2
        out = a + (quotient * value if value != 1 else quotient)
        if out.requires_grad and tensor1.requires_grad and tensor2.array.dtype.kind in "biu":
            # PyTorch's backward divides value by tensor2 in tensor2's own dtype, and refuses
            return RefusedGradient.apply(out, refusal=f"result type Float can't be cast to the desired output type "
                                              f"{scalar_name(tensor2.array.dtype)}", backward_name="AddcdivBackward0")
        return out

    addcmul_ = lambda self, tensor1, tensor2, *, value=1: self._inplace(
        lambda t: t.addcmul(tensor1, tensor2, value=value), tensor1, tensor2)
    addcdiv_ = lambda self, tensor1, tensor2, *, value=1: self._inplace(
        lambda t: t.addcdiv(tensor1, tensor2, value=value), tensor1, tensor2)

    def _scaled_sum(self, product, beta, alpha):
        """beta * self + alpha * product, self broadcast to the product's shape; beta = 0 ignores self's
        values (NaN included), as PyTorch."""
        if self.array.dtype != product.array.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got {scalar_name(self.array.dtype)} "
                               f"and {scalar_name(product.array.dtype)}")
        if product.array.dtype.kind in "iu":  # integer products: beta and alpha as integers (truncated)
            beta, alpha = int(beta), int(alpha)
        base = self.expand(product.shape)
        base = _zeros_in_graph(base) if beta == 0 else base * beta if beta != 1 else base
        return base + (product * alpha if alpha != 1 else product)

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return self._scaled_sum(mat1.mm(mat2), beta, alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return self._scaled_sum(batch1.bmm(batch2), beta, alpha)

    addmm_ = lambda self, mat1, mat2, *, beta=1, alpha=1: self._inplace(
        lambda t: t.addmm(mat1, mat2, beta=beta, alpha=alpha), mat1, mat2)
    baddbmm_ = lambda self, batch1, batch2, *, beta=1, alpha=1: self._inplace(
        lambda t: t.baddbmm(batch1, batch2, beta=beta, alpha=alpha), batch1, batch2)

    def mv(self, vec):
        """The matrix self times the vector vec."""
        if self.ndim != 2 or vec.ndim != 1:
            raise RuntimeError(f"vector + matrix @ vector expected, got 1, {self.ndim}, {vec.ndim}")
        if self.shape[1] != vec.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({self.shape[0]}), mat ({self.shape[0]}x{self.shape[1]}),"
                               f" vec ({vec.shape[0]})")
        if self.array.dtype != vec.array.dtype:
            raise RuntimeError(f"addmv input tensors must have the same dtype, but got {scalar_name(vec.dtype)}, "
                               f"{scalar_name(self.dtype)}, and {scalar_name(vec.dtype)}")
        return self @ vec

    def inner(self, other):
        """Sums of products over the last dims: shape self.shape[:-1] + other.shape[:-1]; a 0-d operand
        multiplies."""
        if self.ndim == 0 or other.ndim == 0:
            return self * other
        if self.shape[-1] != other.shape[-1]:
            raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                               f"{list(self.shape)} and {list(other.shape)}")
        k = self.shape[-1]
        rows = [int(np.prod(t.shape[:-1])) for t in (self, other)]
        product = self.reshape(rows[0], k).mm(other.reshape(rows[1], k).t())
        return product.reshape(self.shape[:-1] + other.shape[:-1])

    vdot = lambda self, other: self.dot(other)  # real numbers: no conjugate

    def cross(self, other, dim=None):
        """The cross product of the 3-vectors along dim (by default the first dim of size 3):
        c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}, indices mod 3."""
        if self.array.dtype != other.array.dtype:
            raise RuntimeError(f"expected scalar type {scalar_name(self.array.dtype)} but found "
                               f"{scalar_name(other.array.dtype)}")
        shape = np.broadcast_shapes(self.shape, other.shape)
        a, b = self.expand(shape), other.expand(shape)
        if dim is None:
            warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease either pass the "
                          "dim explicitly or simply use torch.linalg.cross.\nThe default value of dim will change "
                          "to agree with that of linalg.cross in a future release.", UserWarning)
            dim = next((d for d, n in enumerate(a.shape) if n == 3), None)
            if dim is None:
                raise RuntimeError("no dimension of size 3 in input")
        d = a._dim(dim)
        if a.shape[d] != 3:
            raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {self.shape[d]} and "
                               f"{other.shape[d] if other.ndim > d else 1}")
        return a.roll(-1, d) * b.roll(-2, d) - a.roll(-2, d) * b.roll(-1, d)

    def dist(self, other, p=2):
        """The p-norm of self - other (broadcast), a 0-d float tensor."""
        difference = self - other
        if difference.array.dtype.kind != "f":
            raise RuntimeError(f"norm(): input dtype should be either floating point or complex. Got "
                               f"{scalar_name(difference.array.dtype)} instead.")
        if p == 0 and difference.requires_grad:  # PyTorch's backward of dist has no formula for p = 0:
            # self gets no gradient (None), and a gradient for other fails
            refusal = "the derivative of dist with p=0 is not computed by PyTorch (its backward gets no tensor): " \
                      "use p > 0, or detach other" if _is_tensor(other) and other.requires_grad else None
            return RefusedGradient.apply(difference.norm(p), refusal=refusal, backward_name="DistBackward0")
        return difference.norm(p)

    def diff(self, n=1, dim=-1, prepend=None, append=None):
        """The n-th differences of neighbours along dim, after prepend and append are joined on
        (bools: whether neighbours differ)."""
        if self.ndim == 0:
            raise RuntimeError("diff expects input to be at least one-dimensional")
        if n < 0:
            raise RuntimeError(f"order must be non-negative but got {n}")
        d = self._dim(dim)
        x = self
        if prepend is not None or append is not None:
            parts = [t for t in (prepend, self, append) if t is not None]
            if any(t.ndim != self.ndim for t in parts):
                raise RuntimeError("diff expects prepend or append to be the same dimension as input")
            common = dtypes.result_type([t.array.dtype for t in parts], [], ())
            x = Concat.apply(*(t._cast(common) for t in parts), dim=d)
        if n == 0:
            return x.clone()
        for _ in range(n):
            length = x.shape[d]
            if length == 0:
                break
            later, earlier = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
            x = later != earlier if x.array.dtype.kind == "b" else later - earlier
        return x

