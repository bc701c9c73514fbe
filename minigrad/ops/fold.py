"""im2col and col2im as ops of their own (`F.unfold`, `F.fold`): the lecture's convolution,
taken apart.

`F.unfold` is exactly conv.py's im2col: every kernel-sized block of the (padded) image becomes a
column, (N, C, H, W) -> (N, C*KH*KW, L) with L blocks. A convolution is then one matrix product,
weight.view(O, -1) @ unfold(x). `F.fold` is col2im, its adjoint: each column is added back onto
the pixels it came from (overlapping blocks sum). So each op's backward is the other one.
"""
from ..autograd import Function
from ..array_module import get_array_module
from .conv import col2im, im2col
from .geometry import Window, output_size


def block_window(image_shape, kernel, dilation, padding, stride):
    """The Window of blocks over an (N, C, H, W) image; padding (ph, pw) on both sides of each axis."""
    out = tuple(output_size(image_shape[2 + a], kernel[a], stride[a], padding[a], padding[a], dilation[a])
                for a in range(2))
    return Window(tuple(kernel), tuple(stride), tuple((p, p) for p in padding), tuple(dilation), out)


def _blocks_to_columns(cols, win):
    """im2col's (C*KH*KW, N*L) -> PyTorch's (N, C*KH*KW, L)."""
    rows = cols.shape[0]
    return get_array_module(cols).ascontiguousarray(cols.reshape(rows, -1, win.out[0] * win.out[1])
                                                    .transpose(1, 0, 2))


def _columns_to_blocks(columns):
    """(N, C*KH*KW, L) -> im2col's (C*KH*KW, N*L)."""
    n, rows, length = columns.shape
    return columns.transpose(1, 0, 2).reshape(rows, n * length)


class Im2Col(Function):
    """out[n, (c, i, j), l] = xpad[n, c, SH*y + DH*i, SW*x + DW*j] for block l = (y, x): im2col;
    dx = col2im(grad), every gradient entry added back to the pixel it was copied from.
    F.unfold runs it; the layer is nn.Unfold."""
    backward_name = "Im2ColBackward0"  # PyTorch's node name for F.unfold
    op = "unfold"

    def forward(self, x, win=None):
        self.win, self.x_shape = win, x.shape
        return _blocks_to_columns(im2col(x, win), win)

    def backward(self, grad):
        return col2im(_columns_to_blocks(grad), self.x_shape, self.win)


class Col2Im(Function):
    """out = col2im(columns): out[n, c, SH*y + DH*i - PH, SW*x + DW*j - PW] += columns[n, (c, i, j), l]
    summed over the blocks l = (y, x) that cover that pixel;  dcolumns = im2col(grad).
    F.fold runs it; the layer is nn.Fold."""
    backward_name = "Col2ImBackward0"  # PyTorch's node name for F.fold
    op = "fold"

    def forward(self, columns, win=None, image_shape=None):
        self.win = win
        return col2im(_columns_to_blocks(columns), image_shape, win)

    def backward(self, grad):
        return _blocks_to_columns(im2col(grad, self.win), self.win)
