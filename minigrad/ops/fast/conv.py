"""2-D convolution, the fast version: the same im2col + GEMM as ops/conv.py's Convolution2d (read that
first), with the speed machinery around it. Same arguments, same results.

- On the CPU, conv_cpu.py does the work a chunk of images at a time, each thread its
  own images: columns that stay in the cache, padding folded into the copy, products
  written straight into NCHW.
- On the GPU, im2col and col2im below are one fused CUDA kernel each (conv_cuda.py)
  instead of KH*KW launches, and the columns live in cupy's memory pool.
- The columns are rebuilt in backward rather than kept: only the input is saved, and
  not even that when the weight is frozen; the input is not needed when only dW is wanted.
- A 1x1 convolution without padding needs no im2col on the GPU: each image's (C, H*W)
  pixels already are its column matrix.
- On the CPU, a stride-1 convolution's input gradient is itself a convolution: of the
  output gradient with the kernel flipped and its in/out channels swapped. im2col of
  the gradient + one GEMM replaces the dcols GEMM + col2im's scattered additions.
"""
import numpy as np

from ...array_module import get_array_module
from ...autograd import Function
from ..conv import conv_window
from ..geometry import pad2d, unpad2d, window
from . import conv_cpu, conv_cuda
from .workspace import over_batch, workspace


def im2col(x, win, fused=True):
    """(N, C, H, W) -> cols (C*KH*KW, N*OH*OW) in scratch memory (valid until this thread's next im2col)."""
    n, c = x.shape[:2]
    (kh, kw), (oh, ow) = win.kernel, win.out
    xp = get_array_module(x)
    cols = workspace(xp, "im2col", (c, kh, kw, n, oh, ow), x.dtype)
    if xp is not np and fused:  # on the GPU: one kernel launch (conv_cuda.py)
        return conv_cuda.im2col(x, cols, win).reshape(c * kh * kw, n * oh * ow)
    xpad = pad2d(x, win.padding)

    def copy(start, stop):  # images start..stop, on one thread
        for i, j, (rows, columns) in win.offsets():
            cols[:, i, j, start:stop] = xpad[start:stop, :, rows, columns].transpose(1, 0, 2, 3)
    over_batch(xp, n, copy, cols.size)
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im(cols, x_shape, win, fused=True):
    """The adjoint of im2col: add every column entry back to the pixel it came from."""
    n, c = x_shape[:2]
    (kh, kw), (oh, ow) = win.kernel, win.out
    xp = get_array_module(cols)
    if xp is not np and fused:
        return conv_cuda.col2im(cols, x_shape, win)
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    dx = xp.zeros(win.padded_shape(x_shape), dtype=cols.dtype)

    def add(start, stop):
        for i, j, (rows, columns) in win.offsets():
            dx[start:stop, :, rows, columns] += cols[:, i, j, start:stop].transpose(1, 0, 2, 3)
    over_batch(xp, n, add, cols.size)
    return unpad2d(dx, win.padding)


class Convolution2dFast(Function):
    """out[n, o] = sum over c, i, j of W[o, c, i, j] * xpad[n, c, SH*y + DH*i, SW*x + DW*j] (+ bias[o])."""
    backward_name = "ConvolutionBackward0"  # PyTorch's name of this node
    op = "conv2d"

    def forward(self, x, weight, bias=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
        win = self.win = conv_window(x, weight, stride, padding, dilation, groups)
        xp = get_array_module(x)
        o, n, (oh, ow) = weight.shape[0], x.shape[0], win.out
        self.x_shape, self.groups = x.shape, groups
        need_x, need_w = self.needs_input_grad[:2]
        self.save_for_backward(x if need_w else None, weight if need_x else None)
        if n == 0:  # an empty batch: an empty output, and zero gradients for the weight and bias, as PyTorch
            self.w_shape = weight.shape
            return xp.zeros((0, o, oh, ow), dtype=np.result_type(x, weight))
        if xp is np:  # a few images at a time, each thread its own (conv_cpu.py)
            out = conv_cpu.conv_forward(x, weight, win, groups)
        elif self.pointwise:  # (O, C) @ (N, C, OH*OW): already NCHW
            out = weight.reshape(o, -1) @ self.pixels(x)
        else:  # (G, O/G, C/G*KH*KW) @ (G, C/G*KH*KW, N*OH*OW), then batch first
            cols = im2col(x, win).reshape(groups, -1, n * oh * ow)
            out = (weight.reshape(groups, o // groups, -1) @ cols).reshape(o, n, oh, ow).transpose(1, 0, 2, 3)
            out = xp.ascontiguousarray(out)
        out = out.reshape(n, o, oh, ow)
        if bias is not None:
            out += bias.reshape(1, o, 1, 1)
        return out

    @property
    def pointwise(self):
        return self.win.kernel == (1, 1) and self.win.padding == ((0, 0), (0, 0)) and self.groups == 1

    def pixels(self, x):
        """A 1x1 convolution's input as (N, C, OH*OW) column matrices."""
        sh, sw = self.win.stride
        if (sh, sw) != (1, 1):
            x = x[:, :, ::sh, ::sw]
        return x.reshape(x.shape[0], x.shape[1], -1)

    def backward(self, grad):
        x, weight = self.saved
        xp = get_array_module(grad)
        n, o, oh, ow = grad.shape
        g = self.groups
        gx = gw = gb = None
        if n == 0:
            return xp.zeros(self.x_shape, grad.dtype), xp.zeros(self.w_shape, grad.dtype), xp.zeros(o, grad.dtype)
        if xp is np:
            flipped = self.flipped_conv(grad, weight) if weight is not None and self.flippable(weight) else None
            gx, gw = conv_cpu.conv_backward(grad, x, weight, self.win, g, self.x_shape, flipped)
        elif self.pointwise:
            gpix = grad.reshape(n, o, oh * ow)
            if weight is not None:  # dx = W^T @ grad, per image
                gx = self.scatter_strided(weight.reshape(o, -1).T @ gpix)
            if x is not None:  # dW = sum over images of grad @ x^T
                gw = (gpix @ self.pixels(x).transpose(0, 2, 1)).sum(axis=0).reshape(o, -1, 1, 1)
        else:
            gcols = xp.ascontiguousarray(grad.transpose(1, 0, 2, 3)).reshape(g, o // g, n * oh * ow)
            if weight is not None:  # dcols = W^T @ grad, then back to the input's layout
                w = weight.reshape(g, o // g, -1)
                dcols = workspace(xp, "dcols", (g, w.shape[2], n * oh * ow), grad.dtype)
                xp.matmul(w.transpose(0, 2, 1), gcols, out=dcols)
                gx = col2im(dcols.reshape(-1, n * oh * ow), self.x_shape, self.win)
            if x is not None:  # dW = grad @ cols^T, the columns rebuilt from the kept input
                cols = im2col(x, self.win).reshape(g, -1, n * oh * ow)
                gw = (gcols @ cols.transpose(0, 2, 1)).reshape(o, x.shape[1] // g, *self.win.kernel)
        if len(self.needs_input_grad) == 3 and self.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb

    def flippable(self, weight):
        """Stride 1, no dilation, one group, padding at most kernel - 1 on every side, and a finite
        weight: the flipped kernel also meets the zeros around the gradient, and 0 * inf = NaN would
        reach input pixels that no inf weight touches (col2im adds only the real products, as PyTorch).
        One sum of the weight checks it (a finite sum that overflows just takes the col2im way)."""
        (kh, kw), ((t, b), (l, r)) = self.win.kernel, self.win.padding
        return (self.win.stride == (1, 1) and self.win.dilation == (1, 1) and self.groups == 1
                and max(t, b) < kh and max(l, r) < kw and bool(np.isfinite(weight.sum())))

    def flipped_conv(self, grad, weight):
        """dx[n, c, y, x] = sum over o, i, j of grad_padded[n, o, y + i, x + j] * W[o, c, KH-1-i, KW-1-j]:
        a stride-1 convolution of the output gradient (padded by kernel - 1 - padding) with the
        flipped kernel, its in and out channels swapped. Returns that kernel (C, O, KH, KW) and
        its window over the gradient. The kernel is a view: each use copies it once, in the layout
        it needs (kernel rows, a matrix), or not at all (Winograd's transform reads it flipped)."""
        (kh, kw), ((t, b), (l, r)) = self.win.kernel, self.win.padding
        win = window("conv2d", grad.shape, (kh, kw), (1, 1), ((kh - 1 - t, kh - 1 - b), (kw - 1 - l, kw - 1 - r)))
        return weight[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), win

    def scatter_strided(self, dx_pixels):
        """Put a strided 1x1 convolution's input gradient back at the sampled pixels."""
        if self.win.stride == (1, 1):
            return dx_pixels.reshape(self.x_shape)
        (sh, sw), (oh, ow) = self.win.stride, self.win.out
        dx = get_array_module(dx_pixels).zeros(self.x_shape, dtype=dx_pixels.dtype)
        dx[:, :, ::sh, ::sw] = dx_pixels.reshape(self.x_shape[0], self.x_shape[1], oh, ow)
        return dx
