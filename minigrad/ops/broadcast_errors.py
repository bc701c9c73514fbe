"""When shapes do not broadcast: PyTorch's errors, with PyTorch's words and exception types (a first
reading may skip this file; arithmetic.py's `unbroadcast` is the idea of broadcasting's gradient)."""
import numpy as np


class ShapeError(RuntimeError, ValueError):
    """Shapes that do not fit (broadcasting, reshape, matrix products): PyTorch raises RuntimeError,
    numpy (and minigrad before) ValueError; this is both, so either `except` catches it."""


def broadcast_error(a_shape, b_shape):
    """PyTorch's error for two shapes that do not broadcast (as a ShapeError), naming the last
    dimension (counted from the front of the longer shape) where they disagree."""
    n = max(len(a_shape), len(b_shape))
    a, b = (1,) * (n - len(a_shape)) + tuple(a_shape), (1,) * (n - len(b_shape)) + tuple(b_shape)
    k = max(k for k in range(n) if a[k] != b[k] and 1 not in (a[k], b[k]))
    return ShapeError(f"The size of tensor a ({a[k]}) must match the size of tensor b ({b[k]}) at non-singleton "
                      f"dimension {k}")


def check_broadcasts_into(value_shape, shape):
    """A tensor combined into one of `shape` without enlarging it (a loss's weight, attention's mask)
    must broadcast to exactly `shape`: PyTorch's two errors otherwise."""
    try:
        full = np.broadcast_shapes(tuple(value_shape), tuple(shape))
    except ValueError:
        raise RuntimeError(str(broadcast_error(shape, value_shape))) from None
    if full != tuple(shape):
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {list(full)}")


def check_broadcast(*shapes):
    """The shape the shapes broadcast to, or PyTorch's error for the first (in order) that does not fit."""
    shape = ()
    for s in shapes:
        try:
            shape = np.broadcast_shapes(shape, s)
        except ValueError:
            raise broadcast_error(shape, s) from None
    return shape


def elementwise(ufunc, a, b):
    """numpy's ufunc(a, b) (a and b arrays or numbers), with PyTorch's error where they do not broadcast."""
    try:
        return ufunc(a, b)
    except ValueError:
        a_shape, b_shape = getattr(a, "shape", ()), getattr(b, "shape", ())
        try:
            np.broadcast_shapes(a_shape, b_shape)
        except ValueError:
            raise broadcast_error(a_shape, b_shape) from None
        raise
