"""Distances between vectors (`F.cosine_similarity`, `F.pairwise_distance`), as PyTorch composes them
from tensor ops, so the values and gradients are its own:

    cosine_similarity(x1, x2) = sum (x1 / max(|x1|, eps)) (x2 / max(|x2|, eps))   along dim
    pairwise_distance(x1, x2) = |x1 - x2 + eps|_p                                  along the last dim

Each vector is divided by its norm first, which keeps the cosine within [-1, 1]. The eps clamp is
done outside the graph (under no_grad), as PyTorch 2 does: the gradient flows through the norm as
if unclamped, and a zero vector gets a zero gradient from it. `F.pdist` (the distances between all
pairs of rows) is the op of ops/pdist.py.
"""
import numpy as np

from ...autograd import no_grad
from ...ops.loss_checks import type_name
from ...ops.pdist import Pdist


def _floating_pair(x1, x2):
    """x1 and x2 in their common dtype, which must be floating point (an integer tensor beside a
    float one takes its dtype), and broadcast to one shape, with PyTorch's errors."""
    dtype = np.promote_types(x1.dtype, x2.dtype) if x1.is_floating_point() == x2.is_floating_point() else (
        x1.dtype if x1.is_floating_point() else x2.dtype)
    if dtype.kind != "f":
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is {type_name(dtype)}")
    try:
        shape = np.broadcast_shapes(x1.shape, x2.shape)
    except ValueError:
        k = next(k for k in range(1, min(x1.ndim, x2.ndim) + 1) if 1 != x1.shape[-k] != x2.shape[-k] != 1)
        raise RuntimeError(f"The size of tensor a ({x1.shape[-k]}) must match the size of tensor b "
                           f"({x2.shape[-k]}) at non-singleton dimension {max(x1.ndim, x2.ndim) - k}") from None
    return x1.to(dtype).expand(shape), x2.to(dtype).expand(shape)


def _clamped_norm(x, dim, eps):
    norm = x.norm(2, dim=dim, keepdim=True).clone()
    with no_grad():  # PyTorch's clamp: the values change, the graph does not
        norm.clamp_(min=eps)
    return norm


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """The cosine of the angle between x1 and x2 along dim (they broadcast), in [-1, 1]."""
    x1, x2 = _floating_pair(x1, x2)
    return ((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps))).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps along the last dimension (they broadcast); eps keeps the
    gradient finite where x1 == x2."""
    innermost = max(x1.ndim, x2.ndim) - 1  # -1 for two numbers, as PyTorch
    return (x1 - x2 + eps).norm(p, dim=innermost, keepdim=keepdim)


def pdist(input, p=2):
    """The p-norm distance between every pair of rows i < j of an (N, M) input, in the order
    (0, 1), (0, 2), ..., (1, 2), ...: N (N - 1) / 2 numbers (the condensed matrix of scipy's pdist).
    The op of ops/pdist.py: PyTorch's formulas per p, without rescaling (float32 overflows as
    PyTorch's does), and a zero gradient where two rows are equal."""
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D")
    if input.array.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if p < 0:
        raise RuntimeError("pdist only supports non-negative p values")
    return Pdist.apply(input, p=p)
