"""Pooling, the fast version: the same windows as ops/pooling.py (read that first),
with less memory traffic. Same arguments, same results.

- Max pooling keeps a running maximum and a small integer per output (uint8 when the
  window has at most 256 cells) naming the offset that won, instead of stacking the
  KH*KW shifted views; the winner is updated with arithmetic, max(winner, k * beats),
  and backward routes the gradient with `grad * (winner == k)` (ufuncs are far cheaper
  than np.where or copyto(where=) on these strided views). Images are split over
  threads, and each thread takes them a few at a time, so that temporaries stay in
  cache. The input is not padded: each offset updates only the outputs whose cell
  is inside the input (padding holds -inf, which never wins). Without a backward to
  come (eval, no_grad), no winners are kept. A window holding NaN, or only -inf,
  is rare: when the output shows one, the winners are redone by the reference's rule
  (ops/pooling.py max_pool_winners: the last NaN wins, as PyTorch).
- Adaptive pooling whose bins tile the input exactly (14x14 -> 7x7) is plain pooling
  with kernel = stride = the bin size, when that loops over fewer window offsets than
  the reference op loops over output cells; otherwise (7x7 -> 1x1: one cell, one
  reduction) the reference op is the fast one.
- Average pooling has nothing to gain here: it is the reference op.
- On cupy (float32/float64), max pooling is one CUDA kernel each way (pooling_cuda.py):
  the winner kept is the input cell's index in its plane.
"""
import math

import numpy as np

from ...array_module import get_array_module
from ...autograd import Function
from ..geometry import window_parts
from ..pooling import AdaptivePool2d, AveragePool2d, lowest, max_pool_winners  # noqa: F401 - re-exported as the fast versions
from . import pooling_cuda
from .stride_phases import strided_reader
from .workspace import chunks, over_batch

STEP_NUMBERS = 1 << 17  # outputs per run of images: 64x56x56 (200K) is one image a run


class MaxPool2dWithIndicesFast(Function):
    """out = the maximum of each window;  dx = grad sent to the window's (first) arg-max."""
    backward_name = "MaxPool2DWithIndicesBackward0"  # PyTorch's name of this node
    op = "max_pool2d"
    cuda = False  # True when forward ran the CUDA kernel (pooling_cuda.py)

    def forward(self, x, win):
        xp = get_array_module(x)
        if xp is not np and pooling_cuda.supported(x):
            out, winner = pooling_cuda.forward(x, win, keep=self.needs_input_grad[0])
            self.cuda, self.win, self.x_shape = True, win, x.shape
            self.save_for_backward(winner)
            return out
        kw = win.kernel[1]
        keep = self.needs_input_grad[0]  # the winners are needed only for a backward
        out = xp.full(x.shape[:2] + win.out, lowest(x.dtype), dtype=x.dtype)
        winner = xp.zeros(out.shape, dtype=np.uint8 if win.kernel[0] * kw <= 256 else np.int32) if keep else None

        def pool(start, stop):  # images start..stop, a few at a time; cells in the padding never win
            for a, b in image_steps(xp, start, stop, math.prod(out.shape[1:])):
                read = strided_reader(x[a:b], win)
                for i, j, (y0, y1, x0, x1), (rows, columns) in window_parts(win, x.shape[2:]):
                    best = out[a:b, :, y0:y1, x0:x1]
                    candidate = read(rows, columns)
                    if keep and (i or j):  # offset k wins where it beats all before it, and k only grows:
                        won = winner[a:b, :, y0:y1, x0:x1]  # winner = max(winner, k * (candidate > best))
                        xp.maximum(won, (candidate > best) * won.dtype.type(i * kw + j), out=won)
                    xp.maximum(best, candidate, out=best)
        over_batch(xp, x.shape[0], pool, out.size * win.kernel[0] * kw)
        if keep and not xp.isfinite(out.sum()) and (xp.isnan(out).any() or (out == -np.inf).any()):
            winner[...] = max_pool_winners(x, win)[1]  # a NaN or an all -inf window: PyTorch's rule, the slow way
        self.win, self.x_shape = win, x.shape
        self.save_for_backward(winner)
        return out

    def backward(self, grad):
        (winner,) = self.saved
        if self.cuda:
            return pooling_cuda.backward(grad, winner, self.x_shape, self.win)
        win, kw = self.win, self.win.kernel[1]
        xp = get_array_module(grad)
        dx = xp.zeros(self.x_shape, dtype=grad.dtype)

        def route(start, stop):
            for a, b in image_steps(xp, start, stop, math.prod(grad.shape[1:])):
                for i, j, (y0, y1, x0, x1), (rows, columns) in window_parts(win, self.x_shape[2:]):
                    g, won = grad[a:b, :, y0:y1, x0:x1], winner[a:b, :, y0:y1, x0:x1]
                    dx[a:b, :, rows, columns] += g * (won == i * kw + j)
        over_batch(xp, self.x_shape[0], route, grad.size * win.kernel[0] * kw)
        return dx


def image_steps(xp, start, stop, per_image):
    """Images start..stop in runs of about STEP_NUMBERS outputs: each offset's temporaries
    then stay in the cache (b32 64x112x112, fwd+bwd: 272 -> 101 ms). One run on the GPU."""
    return chunks(start, stop, stop - start if xp is not np else max(1, STEP_NUMBERS // max(per_image, 1)))


def tiles(x_shape, output_size):
    """The bin size (KH, KW) when adaptive bins tile the input exactly and have fewer cells
    than the output has, else None."""
    (h, w), (oh, ow) = x_shape[2:], output_size
    if h % oh or w % ow or (h // oh) * (w // ow) > oh * ow:
        return None
    return (h // oh, w // ow)


# its name before ops and layers had names of their own, which ../shared/tools/gpu_oneshot.py still uses
MaxPool2d = MaxPool2dWithIndicesFast
