"""ReLU, the fast version: the same numbers as ops/activations.py's Relu, each pass split
over threads by images (numpy releases the GIL inside a ufunc, so two threads really
run at once). In a resnet step ReLU is a few percent of the time, all of it memory
traffic, which one core alone cannot saturate."""
import numpy as np

from ...autograd import Function
from ...array_module import get_array_module
from .workspace import over_batch


ZERO_ROW = 4096  # numbers in each row that positive_part compares with a row of zeros
_zeros = {}


def positive_part(x, out):
    """out = max(x, 0) (out may be x). numpy's maximum against the scalar 0 measured 2-3.5x slower
    than against an array of zeros (numpy 2.4, the EPYC of docs/PERFORMANCE.md: 100,000 float32
    78 -> 26 us; 3.2 million 2.8 -> 1.4 ms), so a C-contiguous x is read as rows of ZERO_ROW
    numbers, each compared with the same row of zeros, which stays in the cache."""
    if not (x.flags.c_contiguous and out.flags.c_contiguous):  # (reshape would copy: out unwritten)
        return np.maximum(x, 0, out=out)
    flat, flat_out = x.reshape(-1), out.reshape(-1)
    rows = flat.size // ZERO_ROW
    zeros = _zeros.get(x.dtype)
    if zeros is None:
        zeros = np.zeros(ZERO_ROW, dtype=x.dtype)
        zeros.flags.writeable = False  # shared by every thread
        _zeros[x.dtype] = zeros
    body = rows * ZERO_ROW
    np.maximum(flat[:body].reshape(rows, ZERO_ROW), zeros, out=flat_out[:body].reshape(rows, ZERO_ROW))
    np.maximum(flat[body:], 0, out=flat_out[body:])  # the last few numbers
    return out


class ReluFast(Function):
    """out = max(x, 0);  dx = grad except where out <= 0 (a NaN passes it, as PyTorch's). Keeps only the output."""
    op = "relu"

    def forward(self, x, out=None):
        xp = get_array_module(x)
        if xp is not np or x.ndim < 2:
            out = xp.maximum(x, 0, out=out)
        else:
            out = np.empty_like(x) if out is None else out  # out is x: in place (relu_)
            over_batch(np, x.shape[0], lambda a, b: positive_part(x[a:b], out[a:b]), x.size)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        (out,) = self.saved
        if get_array_module(grad) is not np or grad.ndim < 2:
            return get_array_module(grad).where(out <= 0, grad.dtype.type(0), grad)
        gx = np.empty_like(grad)

        def work(a, b):  # grad * mask is 7x faster than where(); an inf or NaN gradient at out <= 0 (inf * 0
            part = gx[a:b]  # is NaN there, 0 in PyTorch) is rare, and max() finds it: then the choice itself
            np.multiply(grad[a:b], ~(out[a:b] <= 0), out=part)
            if part.size and np.isnan(part.max()):
                part[...] = np.where(out[a:b] <= 0, grad.dtype.type(0), grad[a:b])
        over_batch(np, grad.shape[0], work, grad.size)
        return gx
