"""Pooling, the reference version: max and average over sliding windows, and their
adaptive versions (the output size is given, the windows follow from it).

Like im2col, pooling loops over the KH*KW offsets of the window, never over pixels
(ops/geometry.py). Max pooling stacks the KH*KW shifted views: the output is their
maximum, and backward sends each output's gradient to the one input that won its
window (the first one on ties, as PyTorch). Average pooling's gradient is spread
evenly over the window. ops/fast/pooling.py computes the same faster.
"""
import numpy as np

from ..backend import get_array_module
from ..autograd import Function
from .geometry import pad2d, unpad2d


class MaxPool2d(Function):
    """out = the maximum of each window;  dx = grad sent to the window's (first) arg-max."""
    name = "max_pool2d"

    def forward(self, x, win):
        xpad = pad2d(x, win.padding, value=-np.inf)
        views = get_array_module(x).stack([xpad[:, :, r, c] for _, _, (r, c) in win.offsets()])  # (KH*KW, N, C, OH, OW)
        self.win, self.x_shape = win, x.shape
        self.winner = views.argmax(axis=0)  # which offset won each window (first on ties)
        return views.max(axis=0)

    def backward(self, grad):
        dx = get_array_module(grad).zeros(self.win.padded_shape(self.x_shape), dtype=grad.dtype)
        for k, (_, _, (rows, columns)) in enumerate(self.win.offsets()):
            dx[:, :, rows, columns] += grad * (self.winner == k)
        return unpad2d(dx, self.win.padding)


class AvgPool2d(Function):
    """out = sum of each window / count;  dx = grad / count spread over each window.
    count is KH*KW, less the padding when count_include_pad=False, and never counts
    ceil_mode's overhang (PyTorch's rule): see window_counts."""
    name = "avg_pool2d"

    def forward(self, x, win, padding, count_include_pad=True):
        xpad = pad2d(x, win.padding)
        out = get_array_module(x).zeros(x.shape[:2] + win.out, dtype=x.dtype)
        for _, _, (rows, columns) in win.offsets():
            out += xpad[:, :, rows, columns]
        self.win, self.x_shape = win, x.shape
        self.count = window_counts(x, win, padding, count_include_pad)
        return out / self.count

    def backward(self, grad):
        dx = get_array_module(grad).zeros(self.win.padded_shape(self.x_shape), dtype=grad.dtype)
        share = grad / self.count
        for _, _, (rows, columns) in self.win.offsets():
            dx[:, :, rows, columns] += share
        return unpad2d(dx, self.win.padding)


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


class AdaptivePool2d(Function):
    """Pool each of the (OH, OW) cells of PyTorch's adaptive bins, with 'max' (the gradient
    goes to each cell's first maximum) or 'mean' (spread evenly). Loops over the output
    cells (few: 1x1 for fastai's head), never over pixels."""

    def forward(self, x, output_size, reduce):
        xp = get_array_module(x)
        n, c, h, w = x.shape
        self.cells = [(r, col) for r in adaptive_bins(h, output_size[0]) for col in adaptive_bins(w, output_size[1])]
        self.x_shape, self.reduce, self.winners = x.shape, reduce, []
        out = xp.empty((n, c, len(self.cells)), dtype=x.dtype)
        for k, ((r0, r1), (c0, c1)) in enumerate(self.cells):
            block = x[:, :, r0:r1, c0:c1].reshape(n, c, -1)
            if reduce == "max":
                self.winners.append(block.argmax(axis=2))  # first maximum on ties
                out[:, :, k] = block.max(axis=2)
            else:
                out[:, :, k] = block.mean(axis=2)
        return out.reshape(n, c, *output_size)

    def backward(self, grad):
        xp = get_array_module(grad)
        n, c = self.x_shape[:2]
        dx = xp.zeros(self.x_shape, dtype=grad.dtype)
        grad = grad.reshape(n, c, -1)
        for k, ((r0, r1), (c0, c1)) in enumerate(self.cells):
            area = (r1 - r0) * (c1 - c0)
            if self.reduce == "max":  # one-hot of the winner, times the cell's gradient
                share = (xp.arange(area) == self.winners[k][:, :, None]) * grad[:, :, k, None]
            else:
                share = xp.broadcast_to(grad[:, :, k, None] / area, (n, c, area))
            dx[:, :, r0:r1, c0:c1] += share.reshape(n, c, r1 - r0, c1 - c0)
        return dx
