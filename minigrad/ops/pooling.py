"""Pooling, the reference version: max and average over sliding windows, and their
adaptive versions (the output size is given, the windows follow from it).

Like im2col, pooling loops over the KH*KW offsets of the window, never over pixels
(ops/geometry.py). Max pooling walks the KH*KW shifted views keeping the best value so far
and the offset that gave it: the output is the maximum, and backward sends each output's
gradient to the one input that won its window (the first one on ties, the last NaN if any,
as PyTorch). Average pooling's gradient is spread evenly over the window.
ops/fast/pooling.py computes the same faster.
"""
import numpy as np

from ..array_module import get_array_module
from ..autograd import Function
from .geometry import pad2d, unpad2d, window_parts


def max_pool_winners(x, win):
    """The maximum of each window and the kernel offset k = i * KW + j that won it, by PyTorch's rule:
    the window's cells in order, a cell wins when it is larger than the best so far or is NaN (so a
    NaN is the maximum, the last NaN wins, and ties go to the first); padding never wins, and a
    window of -inf is won by its first cell inside the input."""
    xp = get_array_module(x)
    best = xp.full(x.shape[:2] + win.out, lowest(x.dtype), dtype=x.dtype)
    winner = xp.full(best.shape, -1, dtype=np.int64)
    for i, j, (y0, y1, x0, x1), (rows, columns) in window_parts(win, x.shape[2:]):
        candidate, b, w = x[:, :, rows, columns], best[:, :, y0:y1, x0:x1], winner[:, :, y0:y1, x0:x1]
        wins = (candidate > b) | xp.isnan(candidate) | (w < 0)
        xp.copyto(b, candidate, where=wins)
        xp.copyto(w, i * win.kernel[1] + j, where=wins)
    return best, winner


def lowest(dtype):
    """The value no cell loses to: -inf, or an integer dtype's minimum (max_pool2d keeps int dtypes)."""
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def plane_indices(winner, win, width):
    """PyTorch's return_indices: the winning cell's flat index y * W + x in its (H, W) plane."""
    xp = get_array_module(winner)
    (_, kw), (sh, sw), (dh, dw), ((top, _), (left, _)) = win.kernel, win.stride, win.dilation, win.padding
    oy = xp.arange(win.out[0]).reshape(-1, 1)
    ox = xp.arange(win.out[1])
    return (oy * sh - top + winner // kw * dh) * width + (ox * sw - left + winner % kw * dw)


class MaxPool2dWithIndices(Function):
    """out = the maximum of each window;  dx = grad sent to the cell that won it (max_pool_winners)."""
    backward_name = "MaxPool2DWithIndicesBackward0"  # PyTorch's name of this node
    op = "max_pool2d"

    def forward(self, x, win):
        out, self.winner = max_pool_winners(x, win)
        self.win, self.x_shape = win, x.shape
        return out

    def backward(self, grad):
        dx = get_array_module(grad).zeros(self.win.padded_shape(self.x_shape), dtype=grad.dtype)
        for k, (_, _, (rows, columns)) in enumerate(self.win.offsets()):
            dx[:, :, rows, columns] += grad * (self.winner == k)
        return unpad2d(dx, self.win.padding)


class AveragePool2d(Function):
    """out = sum of each window / count;  dx = grad / count spread over each window.
    count is KH*KW, less the padding when count_include_pad=False, and never counts
    ceil_mode's overhang (PyTorch's rule): see window_counts; or divisor_override if given.
    An int64 input stays int64: its sums divided as C divides integers (toward zero), as PyTorch."""
    backward_name = "AvgPool2DBackward0"  # PyTorch's name of this node
    op = "avg_pool2d"

    def forward(self, x, win, padding, count_include_pad=True, divisor_override=None):
        xpad = pad2d(x, win.padding)
        out = get_array_module(x).zeros(x.shape[:2] + win.out, dtype=x.dtype)
        for _, _, (rows, columns) in win.offsets():
            out += xpad[:, :, rows, columns]
        self.win, self.x_shape = win, x.shape
        self.count = divisor_override or window_counts(x, win, padding, count_include_pad)
        return out / self.count if x.dtype.kind == "f" else truncating_divide(out, self.count)

    def backward(self, grad):
        dx = get_array_module(grad).zeros(self.win.padded_shape(self.x_shape), dtype=grad.dtype)
        share = grad / self.count
        for _, _, (rows, columns) in self.win.offsets():
            dx[:, :, rows, columns] += share
        return unpad2d(dx, self.win.padding)


def truncating_divide(total, count):
    """Integer division rounding toward zero (C's, PyTorch's), where numpy's // rounds down."""
    quotient = total // count
    return quotient + ((quotient * count != total) & ((total < 0) != (count < 0)))


def window_counts(x, win, padding, count_include_pad):
    """(OH, OW) divisors: how many cells of each window count. A window sum of a mask that
    is 1 on the input, 1 or 0 on the requested `padding` (count_include_pad), and 0 on
    the extra bottom/right cells that ceil_mode added."""
    (t, b), (l, r) = padding
    extra = ((0, sum(win.padding[0]) - t - b), (0, sum(win.padding[1]) - l - r))
    ones = get_array_module(x).ones((1, 1) + x.shape[2:], dtype=x.dtype)
    mask = pad2d(pad2d(ones, padding, value=1 if count_include_pad else 0), extra)
    count = 0
    for _, _, (rows, columns) in win.offsets():
        count = count + mask[0, 0, rows, columns]
    return count


def adaptive_bins(size, out):
    """PyTorch's adaptive bins: cell k covers [floor(k*size/out), ceil((k+1)*size/out))."""
    return [(k * size // out, -(-(k + 1) * size // out)) for k in range(out)]


def first_max(block):
    """The index along the last axis of PyTorch's maximum: the last NaN if there is one, else the
    first of the largest values."""
    xp = get_array_module(block)
    nan = xp.isnan(block)
    last_nan = block.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
    return xp.where(nan.any(axis=-1), last_nan, block.argmax(axis=-1))


def adaptive_max_indices(x, output_size):
    """return_indices of adaptive_max_pool2d: each cell's winner (first_max) as y * W + x in its plane."""
    xp = get_array_module(x)
    n, c, h, w = x.shape
    indices = xp.empty((n, c) + tuple(output_size), dtype=np.int64)
    for a, (r0, r1) in enumerate(adaptive_bins(h, output_size[0])):
        for b, (c0, c1) in enumerate(adaptive_bins(w, output_size[1])):
            won = first_max(x[:, :, r0:r1, c0:c1].reshape(n, c, (r1 - r0) * (c1 - c0)))
            indices[:, :, a, b] = (r0 + won // (c1 - c0)) * w + c0 + won % (c1 - c0)
    return indices


class AdaptivePool2d(Function):
    """Pool each of the (OH, OW) cells of PyTorch's adaptive bins, with 'max' (the gradient
    goes to each cell's first maximum, or last NaN) or 'mean' (spread evenly). Loops over the output
    cells (few: 1x1 for fastai's head), never over pixels."""

    def forward(self, x, output_size, reduce):
        xp = get_array_module(x)
        n, c, h, w = x.shape
        self.cells = [(r, col) for r in adaptive_bins(h, output_size[0]) for col in adaptive_bins(w, output_size[1])]
        self.x_shape, self.reduce, self.winners = x.shape, reduce, []
        self.backward_name = ("AdaptiveMaxPool2DBackward0" if reduce == "max" else  # PyTorch's node names
                              "MeanBackward1" if tuple(output_size) == (1, 1) else "AdaptiveAvgPool2DBackward0")
        out = xp.empty((n, c, len(self.cells)), dtype=x.dtype)
        for k, ((r0, r1), (c0, c1)) in enumerate(self.cells):
            block = x[:, :, r0:r1, c0:c1].reshape(n, c, (r1 - r0) * (c1 - c0))
            if reduce == "max":
                self.winners.append(first_max(block))
                out[:, :, k] = block.max(axis=2)
            else:
                out[:, :, k] = block.mean(axis=2)
        return out.reshape(n, c, *output_size)

    def backward(self, grad):
        xp = get_array_module(grad)
        empty = [d for d in (1, 2, 3) if grad.shape[d] == 0]
        if empty:  # an output_size of 0 gives an empty output, and PyTorch's backward refuses it
            raise RuntimeError(f"adaptive_{'max' if self.reduce == 'max' else 'avg'}_pool2d_backward(): Expected "
                               f"grad_output to have non-zero size for non-batch dimensions, but grad_output has sizes "
                               f"{list(grad.shape)} with dimension {empty[0]} being empty")
        n, c = self.x_shape[:2]
        dx = xp.zeros(self.x_shape, dtype=grad.dtype)
        grad = grad.reshape(n, c, len(self.cells))
        for k, ((r0, r1), (c0, c1)) in enumerate(self.cells):
            area = (r1 - r0) * (c1 - c0)
            if self.reduce == "max":  # one-hot of the winner, times the cell's gradient
                share = (xp.arange(area) == self.winners[k][:, :, None]) * grad[:, :, k, None]
            else:
                share = xp.broadcast_to(grad[:, :, k, None] / area, (n, c, area))
            dx[:, :, r0:r1, c0:c1] += share.reshape(n, c, r1 - r0, c1 - c0)
        return dx
