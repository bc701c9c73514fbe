"""2-D convolution as im2col + one matrix product (GEMM).

A convolution slides a C x KH x KW kernel over the image. im2col copies, for
every output pixel, the C*KH*KW input values under the kernel into one column;
the convolution is then ONE matrix product of the (O, C*KH*KW) weight matrix
with the (C*KH*KW, N*OH*OW) column matrix. im2col loops only over the KH*KW
kernel offsets: each offset is one strided slice of the padded input (no loop
over pixels or batch items). The backward is two more matrix products:
dW = grad @ cols^T, and dcols = W^T @ grad, whose entries col2im adds back to
the pixels they came from.

The columns are 9x the input for a 3x3 kernel, so they are scratch memory
(backend.workspace), rebuilt in backward rather than kept: only the input is
saved, and not even that when the weight is frozen. A 1x1 convolution needs no
im2col at all: each image's (C, H*W) pixels already are its column matrix.
"""
import numpy as np

from ..backend import get_array_module, over_batch, workspace
from ..tensor import Function
from . import conv_cuda


def conv_output_size(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride + 1


def pad2d(x, padding, value=0):
    """Pad the last two dimensions of an NCHW array by `padding` on each side."""
    if padding == 0:
        return x
    xp = get_array_module(x)
    p = padding
    return xp.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=value)


def unpad2d(x, padding):
    """Cut the padding of pad2d off again (a view)."""
    return x[:, :, padding:x.shape[2] - padding, padding:x.shape[3] - padding] if padding else x


def windows(kh, kw, stride, oh, ow):
    """For each kernel offset (i, j): the slices of the padded input under it."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i, i + stride * oh, stride), slice(j, j + stride * ow, stride))


def im2col(x, kh, kw, stride, padding, fused=True):
    """(N, C, H, W) -> cols (C*KH*KW, N*OH*OW): row (c, i, j) holds channel c of the
    input shifted by kernel offset (i, j), sampled every `stride` pixels."""
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    xp = get_array_module(x)
    cols = workspace(xp, "im2col", (c, kh, kw, n, oh, ow), x.dtype)
    if xp is not np and fused:  # on the GPU: the same, in one kernel launch (conv_cuda.py)
        return conv_cuda.im2col(x, cols, kh, kw, stride, padding, oh, ow).reshape(c * kh * kw, n * oh * ow)
    xpad = pad2d(x, padding)

    def copy(start, stop):  # images start..stop, on one thread
        for i, j, (rows, columns) in windows(kh, kw, stride, oh, ow):
            cols[:, i, j, start:stop] = xpad[start:stop, :, rows, columns].transpose(1, 0, 2, 3)
    over_batch(xp, n, copy, cols.size)
    return cols.reshape(c * kh * kw, n * oh * ow)


def col2im(cols, x_shape, kh, kw, stride, padding, fused=True):
    """The adjoint of im2col: add every column entry back to the pixel it came from."""
    n, c, h, w = x_shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    xp = get_array_module(cols)
    if xp is not np and fused:
        return conv_cuda.col2im(cols, x_shape, kh, kw, stride, padding, oh, ow)
    cols = cols.reshape(c, kh, kw, n, oh, ow)
    dx = xp.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)

    def add(start, stop):
        for i, j, (rows, columns) in windows(kh, kw, stride, oh, ow):
            dx[start:stop, :, rows, columns] += cols[:, i, j, start:stop].transpose(1, 0, 2, 3)
    over_batch(xp, n, add, cols.size)
    return unpad2d(dx, padding)


def check_conv_shapes(x, weight, stride, padding):
    if x.ndim != 4:
        raise ValueError(
            f"conv2d: expected a 4-D input (batch, channels, height, width), got shape {tuple(x.shape)}; "
            "for a single image use x.reshape(1, *x.shape)")
    if weight.ndim != 4:
        raise ValueError(f"conv2d: expected a 4-D weight (out_ch, in_ch, kh, kw), got shape {tuple(weight.shape)}")
    if x.shape[1] != weight.shape[1]:
        raise ValueError(
            f"conv2d: input has {x.shape[1]} channels (shape {tuple(x.shape)}) but the weight "
            f"{tuple(weight.shape)} expects {weight.shape[1]}")
    kh, kw = weight.shape[2:]
    if x.shape[2] + 2 * padding < kh or x.shape[3] + 2 * padding < kw:
        raise ValueError(
            f"conv2d: kernel {kh}x{kw} is larger than the padded input {x.shape[2] + 2 * padding}x"
            f"{x.shape[3] + 2 * padding} (input shape {tuple(x.shape)}, padding {padding})")
    if stride < 1:
        raise ValueError(f"conv2d: stride must be at least 1, got {stride}")


class Conv2d(Function):
    """out[n, o] = sum over c, i, j of W[o, c, i, j] * xpad[n, c, s*y + i, s*x + j] (+ bias[o])."""
    name = "conv2d"

    def forward(self, x, weight, bias=None, stride=1, padding=0):
        check_conv_shapes(x, weight, stride, padding)
        xp = get_array_module(x)
        o, c, kh, kw = weight.shape
        n, _, h, w = x.shape
        oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
        self.stride, self.padding, self.x_shape, self.kernel = stride, padding, x.shape, (kh, kw)
        need_x, need_w = self.needs_input_grad[:2]
        self.save_for_backward(x if need_w else None, weight if need_x else None)
        w2 = weight.reshape(o, c * kh * kw)
        if self.pointwise:  # (O, C) @ (N, C, H*W): already NCHW
            out = w2 @ self.pixels(x)
        else:  # (O, C*KH*KW) @ (C*KH*KW, N*OH*OW), then batch first
            out = (w2 @ im2col(x, kh, kw, stride, padding)).reshape(o, n, oh, ow).transpose(1, 0, 2, 3)
            out = xp.ascontiguousarray(out)
        out = out.reshape(n, o, oh, ow)
        if bias is not None:
            out += bias.reshape(1, o, 1, 1)
        return out

    @property
    def pointwise(self):
        return self.kernel == (1, 1) and self.padding == 0

    def pixels(self, x):
        """A 1x1 convolution's input as (N, C, OH*OW) column matrices."""
        if self.stride > 1:
            x = x[:, :, ::self.stride, ::self.stride]
        return x.reshape(x.shape[0], x.shape[1], -1)

    def backward(self, grad):
        x, weight = self.saved
        xp = get_array_module(grad)
        n, o, oh, ow = grad.shape
        kh, kw = self.kernel
        gx = gw = gb = None
        if self.pointwise:
            g = grad.reshape(n, o, oh * ow)
            if weight is not None:  # dx = W^T @ grad, per image
                gx = self.scatter_strided(weight.reshape(o, -1).T @ g)
            if x is not None:  # dW = sum over images of grad @ x^T
                gw = (g @ self.pixels(x).transpose(0, 2, 1)).sum(axis=0).reshape(o, -1, 1, 1)
        else:
            g = xp.ascontiguousarray(grad.transpose(1, 0, 2, 3)).reshape(o, n * oh * ow)
            if weight is not None:  # dcols = W^T @ grad, then back to the input's layout
                c = weight.shape[1]
                dcols = workspace(xp, "dcols", (c * kh * kw, n * oh * ow), grad.dtype)
                xp.matmul(weight.reshape(o, -1).T, g, out=dcols)
                gx = col2im(dcols, self.x_shape, kh, kw, self.stride, self.padding)
            if x is not None:  # dW = grad @ cols^T, the columns rebuilt from the kept input
                gw = (g @ im2col(x, kh, kw, self.stride, self.padding).T).reshape(o, x.shape[1], kh, kw)
        if len(self.needs_input_grad) == 3 and self.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb

    def scatter_strided(self, dx_pixels):
        """Put a strided 1x1 convolution's input gradient back at the sampled pixels."""
        if self.stride == 1:
            return dx_pixels.reshape(self.x_shape)
        n, c, h, w = self.x_shape
        dx = get_array_module(dx_pixels).zeros(self.x_shape, dtype=dx_pixels.dtype)
        dx[:, :, ::self.stride, ::self.stride] = dx_pixels.reshape(n, c, -(-h // self.stride), -(-w // self.stride))
        return dx
