"""Transposed convolution ("deconvolution", F.conv_transpose2d): the adjoint of ops/conv.py's
convolution, so the same im2col and col2im, used the other way round.

A convolution maps a big image to a small one: cols = im2col(x), out = W @ cols. Its input
gradient maps the small one back to the big one: dcols = W^T @ grad, dx = col2im(dcols). A
transposed convolution IS that map, applied to an input x (upsampling in dcgan's generator):

    forward:   cols = W^T @ x          (each input pixel spreads its values over a KH x KW patch)
               out  = col2im(cols)     (overlapping patches add up)
    backward:  dx   = W @ im2col(grad)              (a plain convolution of the gradient)
               dW   = x @ im2col(grad)^T            (per group)

With torch's weight layout (in_channels, out_channels / groups, KH, KW). The window is the
convolution that would map the output back to x's size: stride, padding and dilation as given,
the output (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1 high.
"""
from ..autograd import Function
from ..array_module import get_array_module
from .conv import col2im, im2col
from .geometry import Window


class ConvolutionTranspose2d(Function):
    """out = col2im(W^T @ x): the input gradient of conv2d(out; W) (+ bias per output channel)."""
    op = "conv_transpose2d"

    def forward(self, x, weight, bias=None, stride=(1, 1), padding=(0, 0), output_padding=(0, 0), groups=1,
                dilation=(1, 1)):
        n, c, h, w = x.shape
        g, o = groups, weight.shape[1] * groups
        out_hw = tuple((size - 1) * s - 2 * p + d * (k - 1) + op + 1 for size, s, p, d, k, op in
                       zip((h, w), stride, padding, dilation, weight.shape[2:], output_padding))
        self.out_shape = (n, o) + out_hw
        # the convolution from the output back to x: its Window is the one both maps share (x's
        # size is its output size; output_padding's extra rows are under no window: they get the bias)
        self.win = Window(tuple(weight.shape[2:]), tuple(stride), tuple((p, p) for p in padding), tuple(dilation),
                          (h, w))
        self.groups, self.has_bias = groups, bias is not None
        self.save_for_backward(x, weight)
        xs = x.transpose(1, 0, 2, 3).reshape(g, c // g, n * h * w)  # (G, C/G, N*H*W)
        cols = weight.reshape(g, c // g, -1).transpose(0, 2, 1) @ xs  # W^T @ x: (G, O/G*KH*KW, N*H*W)
        out = col2im(cols.reshape(o * weight[0, 0].size, n * h * w), self.out_shape, self.win)
        if bias is not None:
            out = out + bias.reshape(1, o, 1, 1)
        return get_array_module(x).ascontiguousarray(out)

    def backward(self, grad):
        x, weight = self.saved
        n, c, h, w = x.shape
        g = self.groups
        cols = im2col(grad, self.win).reshape(g, weight[0].size, n * h * w)  # (G, O/G*KH*KW, N*H*W)
        gx = (weight.reshape(g, c // g, -1) @ cols).reshape(c, n, h, w).transpose(1, 0, 2, 3)  # W @ cols
        xs = x.transpose(1, 0, 2, 3).reshape(g, c // g, n * h * w)
        gw = (xs @ cols.transpose(0, 2, 1)).reshape(weight.shape)  # x @ cols^T
        return (gx, gw, grad.sum(axis=(0, 2, 3))) if self.has_bias else (gx, gw)


def check_conv_transpose(x, weight, bias, stride, padding, output_padding, groups, dilation):
    """PyTorch's refusals, with its messages, before any array is touched."""
    if x.ndim != 4:
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to conv_transpose2d, but got input of "
                           f"size: {list(x.shape)}")
    if weight.ndim != 4:
        raise RuntimeError(f"conv_transpose2d: expected a 4-D weight (in_channels, out_channels/groups, kh, kw), "
                           f"got shape {tuple(weight.shape)}")
    if min(stride) < 1:
        raise RuntimeError("non-positive stride is not supported")
    if min(padding) < 0 or min(output_padding) < 0:
        raise RuntimeError("negative padding is not supported")
    if min(dilation) < 1:
        raise RuntimeError("dilation should be greater than zero")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise RuntimeError(f"non-positive groups is not supported, got groups={groups!r}")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
                           f"got weight of size [{list(weight.shape)}] instead")
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input{list(x.shape)} "
                           f"to have {weight.shape[0]} channels, but got {x.shape[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (weight.shape[1] * groups,):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {weight.shape[1] * groups} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        (oh, ow), (sh, sw), (dh, dw) = output_padding, stride, dilation
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding_height: {oh} output_padding_width: {ow} stride_height: {sh} stride_width: "
                           f"{sw} dilation_height: {dh} dilation_width: {dw}")
    if 0 in x.shape[2:] and x.shape[0] and x.shape[1]:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got input shape: "
                           f"{list(x.shape)}")
    out = [(size - 1) * s - 2 * p + d * (k - 1) + op + 1 for size, s, p, d, k, op in
           zip(x.shape[2:], stride, padding, dilation, weight.shape[2:], output_padding)]
    if min(out) < 1:
        raise RuntimeError(f"Given input size per channel: ({x.shape[2]} x {x.shape[3]}). Calculated output size per "
                           f"channel: ({out[0]} x {out[1]}). Output size is too small")
