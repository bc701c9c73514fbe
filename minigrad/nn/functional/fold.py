"""`F.unfold` and `F.fold`: the im2col and col2im of the lecture's convolution (ops/fold.py), with
PyTorch's arguments (kernel_size, dilation, padding, stride as ints or pairs), checks and words.

unfold(x): (N, C, H, W) -> (N, C*KH*KW, L), one column per kernel-sized block; fold is its adjoint,
(N, C*KH*KW, L) -> (N, C, H, W) with overlapping blocks summed. A 3-D (resp. 2-D) input is one
image (one set of columns). Float inputs only, as PyTorch's kernels."""
from ...ops.broadcast_errors import ShapeError
from ...ops.fold import Col2Im, Im2Col, block_window
from ...tensor_special import not_implemented_for


def _pair(value, name, op):
    """An int or a pair of ints, as PyTorch's parser (TypeError for other types)."""
    values = [value, value] if isinstance(value, int) and not isinstance(value, bool) else value
    if not isinstance(values, (tuple, list)):
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but got {type(value).__name__}")
    for pos, v in enumerate(values):
        if not isinstance(v, int) or isinstance(v, bool):
            raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, but found element of type "
                            f"{type(v).__name__} at pos {pos}")
    if len(values) != 2:
        raise ShapeError(f"It is expected {name} equals to 2, but got size {len(values)}")
    return tuple(values)


def _geometry(op, kernel_size, dilation, padding, stride):
    """The four pairs, checked in PyTorch's order and words."""
    kernel, dilation = _pair(kernel_size, "kernel_size", op), _pair(dilation, "dilation", op)
    padding, stride = _pair(padding, "padding", op), _pair(stride, "stride", op)
    if min(kernel) <= 0:
        raise ShapeError(f"kernel size should be greater than zero, but got kernel_height: {kernel[0]} "
                         f"kernel_width: {kernel[1]}")
    if min(dilation) <= 0:
        raise ShapeError(f"dilation should be greater than zero, but got dilation_height: {dilation[0]} "
                         f"dilation_width: {dilation[1]}")
    if min(stride) <= 0:
        raise ShapeError(f"stride should be greater than zero, but got stride_height: {stride[0]} "
                         f"stride_width: {stride[1]}")
    if min(padding) < 0:
        raise ShapeError(f"padding should be non-negative, but got pad_height: {padding[0]} pad_width: {padding[1]}")
    return kernel, dilation, padding, stride


def _describe(kernel, dilation, padding, stride=None):
    text = f"kernel_size={kernel}, dilation={dilation}, padding={padding}"
    return text + (f", stride={stride}" if stride is not None else "")


def _floats_only(input, kernel_name):
    if input.array.dtype.kind != "f":
        raise not_implemented_for(kernel_name, input.array.dtype)


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Every kernel-sized block of the padded image as a column: (N, C, H, W) -> (N, C*KH*KW, L)."""
    kernel, dilation, padding, stride = _geometry("im2col", kernel_size, dilation, padding, stride)
    if input.ndim < 3:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(input.ndim, 1)}, "
                         f"{max(input.ndim, 1) - 1}], but got {input.ndim})")
    if input.ndim > 4 or 0 in input.shape[-3:]:
        raise ShapeError("Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                         f"dimensions for input, but got: {list(input.shape)}")
    _floats_only(input, "im2col_out_cpu")
    image = input if input.ndim == 4 else input.unsqueeze(0)
    win = block_window(image.shape, kernel, dilation, padding, stride)
    if min(win.out) < 1:
        raise ShapeError(f"Given input with spatial size {tuple(image.shape[2:])}, "
                         f"{_describe(kernel, dilation, padding)}, calculated shape of the array of sliding blocks as "
                         f"{win.out}, but its components must be at least one.")
    out = Im2Col.apply(image, win=win)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """The columns of unfold added back into an image: (N, C*KH*KW, L) -> (N, C, H, W), where
    (H, W) = output_size and overlapping blocks sum."""
    size = _pair(output_size, "output_size", "col2im")
    kernel, dilation, padding, stride = _geometry("col2im", kernel_size, dilation, padding, stride)
    if input.ndim not in (2, 3) or 0 in input.shape[-2:]:
        raise ShapeError("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero "
                         f"dimensions for input, but got: {list(input.shape)}")
    rows = input.shape[-2]
    if rows % (kernel[0] * kernel[1]):
        raise ShapeError("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                         f"got input.size(1)={rows} and kernel_size={kernel}.")
    columns = input if input.ndim == 3 else input.unsqueeze(0)
    image_shape = (columns.shape[0], rows // (kernel[0] * kernel[1])) + size
    win = block_window(image_shape, kernel, dilation, padding, stride)
    blocks = max(win.out[0], 0) * max(win.out[1], 0)
    if columns.shape[2] != blocks or min(win.out) < 1:
        raise ShapeError(f"Given output_size={size}, {_describe(kernel, dilation, padding, stride)}, expected size "
                         f"of input's dimension 2 to match the calculated number of sliding blocks {win.out[0]} * "
                         f"{win.out[1]} = {win.out[0] * win.out[1]}, but got input.size(2)={columns.shape[2]}.")
    _floats_only(input, "col2im_out_cpu")
    out = Col2Im.apply(columns, win=win, image_shape=image_shape)
    return out if input.ndim == 3 else out.squeeze(0)
