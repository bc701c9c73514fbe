"""2-D convolution as im2col + one matrix product (GEMM): the reference version.

A convolution slides a C x KH x KW kernel over the image. im2col copies, for every
output pixel, the C*KH*KW input values under the kernel into one column; the
convolution is then ONE matrix product of the (O, C*KH*KW) weight matrix with the
(C*KH*KW, N*OH*OW) column matrix. im2col loops only over the KH*KW kernel offsets:
each offset is one strided slice of the padded input (ops/geometry.py). The backward
is two more matrix products, dW = grad @ cols^T and dcols = W^T @ grad, and col2im,
which adds each entry of dcols back to the pixel it was copied from.

Groups split the channels into G independent convolutions (depthwise: G = C): the
matrices get a leading G axis and the one GEMM becomes one batched GEMM.

This is the version to read. ops/fast/conv.py (Convolution2dFast) computes the same numbers faster
(scratch memory, threads, fused GPU kernels, a 1x1 shortcut); `minigrad.ops.use_reference()`
switches every op to the reference versions, and the tests run both.
"""
from ..array_module import get_array_module
from ..autograd import Function
from .broadcast_errors import ShapeError
from .geometry import pad2d, unpad2d, window


def im2col(x, win):
    """(N, C, H, W) -> cols (C*KH*KW, N*OH*OW): row (c, i, j) holds channel c of the
    padded input under kernel offset (i, j), for every output pixel."""
    xpad = pad2d(x, win.padding)
    (kh, kw), (oh, ow), (n, c) = win.kernel, win.out, x.shape[:2]
    cols = get_array_module(x).empty((c, kh, kw, n, oh, ow), dtype=x.dtype)
    for i, j, (rows, columns) in win.offsets():
        cols[:, i, j] = xpad[:, :, rows, columns].transpose(1, 0, 2, 3)
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im(cols, x_shape, win):
    """The adjoint of im2col: add every column entry back to the pixel it came from
    (a pixel under several windows receives several additions)."""
    (kh, kw), (oh, ow), (n, c) = win.kernel, win.out, x_shape[:2]
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    dx = get_array_module(cols).zeros(win.padded_shape(x_shape), dtype=cols.dtype)
    for i, j, (rows, columns) in win.offsets():
        dx[:, :, rows, columns] += cols[:, i, j].transpose(1, 0, 2, 3)
    return unpad2d(dx, win.padding)


class Convolution2d(Function):
    """out[n, o, y, x] = sum over c, i, j of W[o, c, i, j] * xpad[n, c, SH*y + DH*i, SW*x + DW*j] (+ bias[o]),
    c running over the input channels of o's group (all of them when groups = 1). Backward rebuilds
    the columns from the saved x rather than keep them (9x x's memory for a 3x3 kernel)."""
    backward_name = "ConvolutionBackward0"  # PyTorch's name of this node
    op = "conv2d"

    def forward(self, x, weight, bias=None, stride=(1, 1), padding=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
        self.win = conv_window(x, weight, stride, padding, dilation, groups)
        self.x_shape, self.groups, self.has_bias = x.shape, groups, bias is not None
        self.save_for_backward(x, weight)
        o, (oh, ow), n = weight.shape[0], self.win.out, x.shape[0]
        cols = im2col(x, self.win).reshape(groups, weight[0].size, n * oh * ow)  # (G, C/G*KH*KW, N*OH*OW)
        out = weight.reshape(groups, o // groups, -1) @ cols  # (G, O/G, N*OH*OW): one GEMM per group
        out = out.reshape(o, n, oh, ow).transpose(1, 0, 2, 3)  # batch first: NCHW
        if bias is not None:
            out = out + bias.reshape(1, o, 1, 1)
        return get_array_module(x).ascontiguousarray(out)

    def backward(self, grad):
        x, weight = self.saved
        g, o = self.groups, weight.shape[0]
        grad_cols = grad.transpose(1, 0, 2, 3).reshape(g, o // g, grad[:, 0].size)  # (G, O/G, N*OH*OW)
        cols = im2col(x, self.win).reshape(g, weight[0].size, grad_cols.shape[2])
        w = weight.reshape(g, o // g, -1)
        gw = (grad_cols @ cols.transpose(0, 2, 1)).reshape(weight.shape)  # dW = grad @ cols^T
        dcols = w.transpose(0, 2, 1) @ grad_cols  # dcols = W^T @ grad
        gx = col2im(dcols.reshape(g * weight[0].size, grad_cols.shape[2]), self.x_shape, self.win)
        return (gx, gw, grad.sum(axis=(0, 2, 3))) if self.has_bias else (gx, gw)


def conv_window(x, weight, stride, padding, dilation, groups):
    """Check an input and weight against each other; the Window of the kernel over x."""
    if x.ndim != 4:
        raise ShapeError(
            f"conv2d: expected a 4-D input (batch, channels, height, width) or a 3-D one (one image), got "
            f"shape {tuple(x.shape)}")
    if weight.ndim != 4:
        raise ShapeError(f"conv2d: expected a 4-D weight (out_ch, in_ch/groups, kh, kw), got shape {tuple(weight.shape)}")
    if groups < 1 or x.shape[1] % groups or weight.shape[0] % groups:
        raise ShapeError(f"conv2d: groups={groups} must divide both the input's {x.shape[1]} channels and the "
                         f"weight's {weight.shape[0]} output channels")
    if x.shape[1] != weight.shape[1] * groups:
        raise ShapeError(
            f"conv2d: input has {x.shape[1]} channels (shape {tuple(x.shape)}) but the weight "
            f"{tuple(weight.shape)} with groups={groups} expects {weight.shape[1] * groups}")
    return window("conv2d", x.shape, weight.shape[2:], stride, padding, dilation)
