"""Pooling: max and average over sliding windows, and their adaptive versions.

Like im2col, both loop over the KH*KW offsets of the window, never over
pixels: max pooling keeps a running maximum and the offset it came from (a
small integer per output), so the backward can send each gradient to the one
input that won the window, on numpy and cupy alike.
"""
import numpy as np

from ..backend import get_array_module, over_batch
from ..tensor import Function
from .conv import conv_output_size, pad2d, unpad2d, windows
from .shapes import Concat


def _pool_geometry(op, x, kernel_size, stride, padding):
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (batch, channels, height, width), got shape {tuple(x.shape)}")
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    if isinstance(stride, (tuple, list)):
        if stride[0] != stride[1]:
            raise ValueError(f"{op}: only equal strides are supported, got {tuple(stride)}")
        stride = stride[0]
    stride = kh if stride is None else stride
    if padding > min(kh, kw) // 2:
        raise ValueError(f"{op}: padding {padding} must be at most half the kernel size {kh}x{kw}")
    h, w = x.shape[2] + 2 * padding, x.shape[3] + 2 * padding
    if h < kh or w < kw:
        raise ValueError(f"{op}: kernel {kh}x{kw} is larger than the padded input {h}x{w} (shape {tuple(x.shape)})")
    oh = conv_output_size(x.shape[2], kh, stride, padding)
    ow = conv_output_size(x.shape[3], kw, stride, padding)
    return kh, kw, stride, oh, ow


class MaxPool2d(Function):
    """out = the maximum of each window;  dx = grad sent to the window's arg-max (first on ties)."""
    name = "max_pool2d"

    def forward(self, x, kernel_size, stride=None, padding=0):
        kh, kw, stride, oh, ow = _pool_geometry(self.op_name(), x, kernel_size, stride, padding)
        xp = get_array_module(x)
        xpad = pad2d(x, padding, value=-np.inf)
        out = xp.empty((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype)
        winner = xp.zeros(out.shape, dtype=np.uint8 if kh * kw <= 256 else np.int32)  # offset i*kw+j that won

        def pool(start, stop):  # images start..stop
            best, won = out[start:stop], winner[start:stop]
            for i, j, (rows, columns) in windows(kh, kw, stride, oh, ow):
                candidate = xpad[start:stop, :, rows, columns]
                if i == j == 0:
                    best[...] = candidate
                    continue
                xp.copyto(won, i * kw + j, where=candidate > best)
                xp.maximum(best, candidate, out=best)
        over_batch(xp, x.shape[0], pool, out.size * kh * kw)
        self.geometry = (x.shape, kh, kw, stride, padding, oh, ow)
        self.save_for_backward(winner)
        return out

    def backward(self, grad):
        (winner,) = self.saved
        x_shape, kh, kw, stride, padding, oh, ow = self.geometry
        xp = get_array_module(grad)
        n, c, h, w = x_shape
        dx = xp.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=grad.dtype)

        def route(start, stop):
            for i, j, (rows, columns) in windows(kh, kw, stride, oh, ow):
                dx[start:stop, :, rows, columns] += xp.where(winner[start:stop] == i * kw + j, grad[start:stop], 0)
        over_batch(xp, n, route, grad.size * kh * kw)
        return unpad2d(dx, padding)


class AvgPool2d(Function):
    """out = the mean of each window (padding counts as zeros, as PyTorch's default);
    dx = grad / (KH*KW) spread over each window."""
    name = "avg_pool2d"

    def forward(self, x, kernel_size, stride=None, padding=0):
        kh, kw, stride, oh, ow = _pool_geometry(self.op_name(), x, kernel_size, stride, padding)
        xpad = pad2d(x, padding)
        out = get_array_module(x).zeros((x.shape[0], x.shape[1], oh, ow), dtype=x.dtype)
        for _, _, (rows, columns) in windows(kh, kw, stride, oh, ow):
            out += xpad[:, :, rows, columns]
        self.geometry = (x.shape, kh, kw, stride, padding, oh, ow)
        return out / (kh * kw)

    def backward(self, grad):
        x_shape, kh, kw, stride, padding, oh, ow = self.geometry
        n, c, h, w = x_shape
        dx = get_array_module(grad).zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=grad.dtype)
        share = grad / (kh * kw)
        for _, _, (rows, columns) in windows(kh, kw, stride, oh, ow):
            dx[:, :, rows, columns] += share
        return unpad2d(dx, padding)


def _pair(size):
    return (size, size) if isinstance(size, int) else tuple(size)


def _bins(size, out):
    """PyTorch's adaptive bins: cell k covers [floor(k*size/out), ceil((k+1)*size/out))."""
    return [(k * size // out, -(-(k + 1) * size // out)) for k in range(out)]


def adaptive_pool2d(x, output_size, reduce):
    """Pool each of the output_size cells with `reduce` ('mean' or 'max'), built from
    differentiable ops. Output size 1 (fastai's head) is one reduction over H and W;
    otherwise the loop runs over output cells (few), never over pixels."""
    if x.ndim != 4:
        raise ValueError(f"adaptive_{reduce}_pool2d: expected a 4-D input, got shape {tuple(x.shape)}")
    oh, ow = _pair(output_size)
    pool = lambda t: getattr(t, "amax" if reduce == "max" else reduce)(dim=(2, 3), keepdim=True)  # noqa: E731
    if (oh, ow) == (1, 1):
        return pool(x)
    h, w = x.shape[2:]
    rows = [Concat.apply(*[pool(x[:, :, r0:r1, c0:c1]) for c0, c1 in _bins(w, ow)], dim=3)
            for r0, r1 in _bins(h, oh)]
    return Concat.apply(*rows, dim=2)
