"""How a Tensor prints: PyTorch's look, tensor([1., 2.]), tensor(3),
tensor([0.5000, 1.2500], dtype=minigrad.float64), with the grad_fn or requires_grad."""
import numpy as np

from . import dtypes


def shown(array, edge=3):
    """The values a summarised print shows (over 1000 of them: 3 at each end of every axis);
    PyTorch chooses the format from these alone."""
    if array.size <= 1000:
        return array
    for axis in range(array.ndim):
        if array.shape[axis] > 2 * edge:
            array = np.concatenate([array.take(range(edge), axis), array.take(range(-edge, 0), axis)], axis)
    return array


def float_format(array):
    """PyTorch's choice for a float tensor: whole numbers as `3.`, else 4 decimals, or scientific
    notation when the nonzero magnitudes span more than 1000x, exceed 1e8 or (not whole) go below
    1e-4; each value right-aligned to the widest nonzero finite one, so columns line up."""
    array = shown(array)
    finite = np.abs(array[np.isfinite(array)]).astype(np.float64)
    nonzero = finite[finite != 0]
    whole = bool(np.all(finite == np.round(finite)))
    sci = nonzero.size > 0 and (nonzero.max() / nonzero.min() > 1000 or nonzero.max() > 1e8
                                or (not whole and nonzero.min() < 1e-4))
    pattern = "{:.4e}" if sci else "{:.0f}." if whole else "{:.4f}"

    def one(v):
        return pattern.format(v) if np.isfinite(v) else str(v)
    width = max((len(pattern.format(v)) for v in array[np.isfinite(array) & (array != 0)].ravel()), default=1)
    return lambda v: one(v).rjust(width)  # the width of the nonzero finite values, as PyTorch


def format_tensor(t):
    """PyTorch's look: tensor([1., 2.]), tensor(3), tensor([0.5000, 1.0000], dtype=minigrad.float64)."""
    array = t._host()
    if array.dtype.kind == "f" and array.size:
        body = np.array2string(array, separator=", ", formatter={"float_kind": float_format(array)},
                               prefix="tensor(", threshold=1000)
    elif array.dtype.kind == "b" and array.size:  # PyTorch pads True to False's width only where a False shows
        width = 5 if not shown(array).all() else 4
        body = np.array2string(array, separator=", ", formatter={"bool": lambda v: str(v).rjust(width)},
                               prefix="tensor(", threshold=1000)
    else:
        body = np.array2string(array, separator=", ", prefix="tensor(", threshold=1000)
    body = body.replace(", ...,", ",  ...,")  # PyTorch sets the skipped middle apart by two spaces
    extras = []
    if array.size == 0 and array.ndim != 1:
        extras.append(f"size={tuple(array.shape)}")
    if t.device == "cuda":
        extras.append("device='cuda:0'")
    if array.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool) or array.size == 0 and array.dtype != dtypes.float32:
        extras.append(f"dtype=minigrad.{dtypes.name(array.dtype)}")
    if t._node is not None:
        extras.append(f"grad_fn=<{t._node.name()}>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
