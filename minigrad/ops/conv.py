"""2-D convolution as im2col + one matrix product (GEMM).

A convolution slides a C x KH x KW kernel over the image. im2col copies, for
every output pixel, the C*KH*KW input values under the kernel into one column;
the convolution is then a single matrix product of the (O, C*KH*KW) weight
matrix with those columns. im2col loops only over the KH*KW kernel offsets:
each offset is one strided slice of the padded input (no loop over pixels or
batch items). The backward is two more matrix products: dW = grad @ cols^T,
and dcols = W^T @ grad, whose columns col2im adds back into the input's shape.

Layout: cols is (N, C, KH, KW, OH, OW), so W (O, K) @ cols (N, K, OH*OW)
gives (N, O, OH*OW), which is already NCHW. A 1x1 convolution needs no
im2col at all: the input itself is the column matrix.
"""
from ..backend import get_array_module
from ..tensor import Function


def conv_output_size(size, kernel, stride, padding):
    return (size + 2 * padding - kernel) // stride + 1


def pad2d(x, padding, value=0):
    """Pad the last two dimensions of an NCHW array by `padding` on each side."""
    if padding == 0:
        return x
    xp = get_array_module(x)
    p = padding
    return xp.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=value)


def windows(kh, kw, stride, oh, ow):
    """For each kernel offset (i, j): the slices of the padded input under it."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, (slice(i, i + stride * oh, stride), slice(j, j + stride * ow, stride))


def im2col(x, kh, kw, stride, padding):
    """(N, C, H, W) -> cols (N, C, KH, KW, OH, OW): cols[:, :, i, j] is the input
    shifted by kernel offset (i, j), sampled every `stride` pixels."""
    n, c, h, w = x.shape
    oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
    xpad = pad2d(x, padding)
    cols = get_array_module(x).empty((n, c, kh, kw, oh, ow), dtype=x.dtype)
    for i, j, (rows, columns) in windows(kh, kw, stride, oh, ow):
        cols[:, :, i, j] = xpad[:, :, rows, columns]
    return cols


def col2im(cols, x_shape, stride, padding):
    """The adjoint of im2col: add every column entry back to the pixel it came from."""
    n, c, h, w = x_shape
    _, _, kh, kw, oh, ow = cols.shape
    xp = get_array_module(cols)
    dx = xp.zeros((n, c, h + 2 * padding, w + 2 * padding), dtype=cols.dtype)
    for i, j, (rows, columns) in windows(kh, kw, stride, oh, ow):
        dx[:, :, rows, columns] += cols[:, :, i, j]
    return dx[:, :, padding:padding + h, padding:padding + w] if padding else dx


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
    """out[n, o] = sum over c, i, j of W[o, c, i, j] * xpad[n, c, s*y + i, s*x + j] (+ bias[o]).
    Keeps only the input (not the 9x larger cols): backward rebuilds the cols if
    the weight needs a gradient, and never when the layer is frozen."""
    name = "conv2d"

    def forward(self, x, weight, bias=None, stride=1, padding=0):
        check_conv_shapes(x, weight, stride, padding)
        o, c, kh, kw = weight.shape
        n, _, h, w = x.shape
        self.stride, self.padding, self.x_shape, self.kernel = stride, padding, x.shape, (kh, kw)
        need_x, need_w = self.needs_input_grad[:2]
        self.save_for_backward(x if need_w else None, weight if need_x else None)
        cols = self.columns(x, kh, kw)
        oh, ow = conv_output_size(h, kh, stride, padding), conv_output_size(w, kw, stride, padding)
        out = weight.reshape(o, -1) @ cols.reshape(n, c * kh * kw, -1)  # (N, O, OH*OW)
        if bias is not None:
            out += bias.reshape(1, o, 1)
        return out.reshape(n, o, oh, ow)

    def columns(self, x, kh, kw):
        if kh == kw == 1 and self.padding == 0:  # 1x1: the (strided) input is the column matrix
            return x[:, :, ::self.stride, ::self.stride] if self.stride > 1 else x
        return im2col(x, kh, kw, self.stride, self.padding)

    def backward(self, grad):
        x, weight = self.saved
        n, o, oh, ow = grad.shape
        g = grad.reshape(n, o, oh * ow)
        gx = gw = gb = None
        if weight is not None:  # dcols = W^T @ grad, then back to the input's layout
            _, c, kh, kw = weight.shape
            dcols = (weight.reshape(o, -1).T @ g).reshape(n, c, kh, kw, oh, ow)
            gx = self.input_gradient(dcols)
        if x is not None:  # dW = sum over the batch of grad @ cols^T
            kh, kw = self.kernel
            cols = self.columns(x, kh, kw)
            cols = cols.reshape(n, -1, oh * ow)
            gw = (g @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(o, x.shape[1], kh, kw)
        if len(self.needs_input_grad) == 3 and self.needs_input_grad[2]:
            gb = grad.sum(axis=(0, 2, 3))
        return gx, gw, gb

    def input_gradient(self, dcols):
        n, c, kh, kw, oh, ow = dcols.shape
        if kh == kw == 1 and self.padding == 0:
            if self.stride == 1:
                return dcols.reshape(self.x_shape)
            dx = get_array_module(dcols).zeros(self.x_shape, dtype=dcols.dtype)
            dx[:, :, ::self.stride, ::self.stride] = dcols.reshape(n, c, oh, ow)
            return dx
        return col2im(dcols, self.x_shape, self.stride, self.padding)
