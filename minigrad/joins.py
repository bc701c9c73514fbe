"""Joining and combining tensors, beside cat and stack (factories.py): hstack, vstack (row_stack),
dstack, column_stack, atleast_1d/2d/3d, meshgrid, cartesian_prod and broadcast_tensors.

Each is a composition of reshape, expand and cat, so the gradients come with them, and the
dtypes are cat's (the inputs promoted to one). meshgrid's outputs are expanded views, as PyTorch's.
"""
import warnings

import numpy as np

from .factories import cat, stack
from .tensor import Tensor


def _tensors(name, tensors):
    """The tensors of f(a, b, c) or f([a, b, c]), each a Tensor."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"{name}(): expected a sequence of Tensors, got {type(t).__name__}")
    return tensors


def _sequence(name, tensors):
    """hstack and its kin take one sequence of tensors, not a tensor, and not an empty one."""
    if isinstance(tensors, Tensor):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return _tensors(name, (tensors,))


def atleast_1d(*tensors):
    """Each tensor with at least 1 dimension (a 0-d one becomes shape (1,))."""
    out = tuple(t.reshape(1) if t.ndim == 0 else t for t in _tensors("atleast_1d", tensors))
    return out[0] if len(out) == 1 else out


def atleast_2d(*tensors):
    """Each tensor with at least 2 dimensions: () -> (1, 1), (n,) -> (1, n)."""
    out = tuple(t.reshape((1,) * (2 - t.ndim) + tuple(t.shape)) if t.ndim < 2 else t
                for t in _tensors("atleast_2d", tensors))
    return out[0] if len(out) == 1 else out


def atleast_3d(*tensors):
    """Each tensor with at least 3 dimensions: () -> (1, 1, 1), (n,) -> (1, n, 1), (m, n) -> (m, n, 1)."""
    def three(t):
        if t.ndim == 0:
            return t.reshape(1, 1, 1)
        if t.ndim == 1:
            return t.reshape(1, -1, 1)
        return t.unsqueeze(-1) if t.ndim == 2 else t
    out = tuple(three(t) for t in _tensors("atleast_3d", tensors))
    return out[0] if len(out) == 1 else out


def hstack(tensors):
    """Join along dim 1 (dim 0 for 1-D tensors), as numpy's hstack."""
    tensors = [atleast_1d(t) for t in _sequence("hstack", tensors)]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    """Join rows: 1-D tensors become rows (1, n), then cat along dim 0."""
    return cat([atleast_2d(t) for t in _sequence("vstack", tensors)], 0)


row_stack = vstack


def dstack(tensors):
    """Join along dim 2 (depth), after atleast_3d."""
    return cat([atleast_3d(t) for t in _sequence("dstack", tensors)], 2)


def column_stack(tensors):
    """Join columns: 0-d and 1-D tensors become columns (n, 1), then cat along dim 1."""
    return cat([t.reshape(t.array.size, 1) if t.ndim < 2 else t for t in _sequence("column_stack", tensors)], 1)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D (or 0-d) tensors: with indexing='ij' output k varies along dim k;
    'xy' swaps the first two dims (numpy's default). PyTorch's default is 'ij', with a warning."""
    tensors = _tensors("meshgrid", tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a {t.ndim}D "
                               "tensor")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
        if t.device != tensors[0].device:
            raise RuntimeError("meshgrid expects all tensors to have the same device")
    swap = indexing == "xy" and len(tensors) >= 2
    order = [1, 0] + list(range(2, len(tensors))) if swap else list(range(len(tensors)))
    sizes = [tensors[k].array.size for k in order]
    grids = []
    for i, t in enumerate(tensors):
        shape = [1] * len(tensors)
        shape[order.index(i)] = -1  # tensor i runs along this dim of every grid
        grids.append(t.reshape(shape).expand(sizes))
    return tuple(grids)


def cartesian_prod(*tensors):
    """Every combination of one element of each 1-D tensor, as rows (the last varying fastest);
    one tensor is returned as it is."""
    tensors = _tensors("cartesian_prod", tensors)
    if len(tensors) == 1:
        return tensors[0]
    return stack([g.reshape(-1) for g in meshgrid(*tensors, indexing="ij")], 1)


def broadcast_tensors(*tensors):
    """The tensors expanded (views) to the shape they broadcast to together."""
    tensors = _tensors("broadcast_tensors", tensors)
    try:
        shape = np.broadcast_shapes(*(tuple(t.shape) for t in tensors))
    except ValueError:
        raise RuntimeError("shape mismatch: objects cannot be broadcast to a single shape: "
                           + ", ".join(str(list(t.shape)) for t in tensors)) from None
    return tuple(t.expand(shape) for t in tensors)
