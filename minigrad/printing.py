"""How a Tensor prints: PyTorch's look, tensor([1., 2.]), tensor(3),
tensor([0.5000, 1.2500], dtype=minigrad.float64), with the grad_fn or requires_grad."""
import numpy as np

from . import dtypes


def format_tensor(t):
    """PyTorch's look: tensor([1., 2.]), tensor(3), tensor([0.5000, 1.0000], dtype=minigrad.float64)."""
    array = t._host()
    if array.dtype.kind == "f" and array.size:
        finite = array[np.isfinite(array)]
        big = np.abs(finite).max() if finite.size else 0
        small = np.abs(finite[finite != 0]).min() if (finite != 0).any() else 1
        if finite.size and np.all(finite == np.round(finite)) and big < 1e8:
            fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
        elif big >= 1e8 or small < 1e-4:
            fmt = lambda v: f"{v:.4e}"
        else:
            fmt = lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)
        body = np.array2string(array, separator=", ", formatter={"float_kind": fmt}, prefix="tensor(",
                               threshold=1000)
    else:
        body = np.array2string(array, separator=", ", prefix="tensor(", threshold=1000)
    extras = []
    if t.device == "cuda":
        extras.append("device='cuda:0'")
    if array.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool) or array.size == 0 and array.dtype != dtypes.float32:
        extras.append(f"dtype=minigrad.{dtypes.name(array.dtype)}")
    if t._node is not None:
        extras.append(f"grad_fn=<{type(t._node).__name__}Backward>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"
