"""Convolution (`F.conv2d`): PyTorch's arguments (stride, padding, dilation, groups as ints or
pairs; padding 'same'/'valid') turned into the op of ops/conv.py (the lecture's im2col + GEMM)
or its fast twin in ops/fast/conv.py."""
import functools

from ...ops import conv
from ...ops.fast import conv as fast_conv
from ...ops.geometry import pair
from ...ops.versions import pick
from ...tensor_math import same_dtype


def conv_padding(padding, kernel_size, dilation, stride, op="conv2d"):
    """PyTorch's padding argument as ((top, bottom), (left, right)): an int, a pair,
    'valid' (none) or 'same' (output size = input size; stride 1 only, the odd cell at
    the bottom/right, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride}), "
                             "as in PyTorch: give the padding as numbers")
        total = [d * (k - 1) for d, k in zip(dilation, kernel_size)]
        return tuple((t // 2, t - t // 2) for t in total)
    ph, pw = pair(padding, "padding", op)
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must not be negative, got {padding!r}")
    return ((ph, ph), (pw, pw))


def one_image_too(fn):
    """PyTorch's 2-D convolution and pools also take one image (C, H, W): a batch of one."""
    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        if getattr(x, "ndim", None) == 3:
            return fn(x.unsqueeze(0), *args, **kwargs).squeeze(0)
        return fn(x, *args, **kwargs)
    return wrapper


@one_image_too
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of an NCHW input with an (out, in/groups, KH, KW) weight (im2col + GEMM,
    see ops/conv.py). stride, padding and dilation are ints or (height, width) pairs;
    padding may also be 'same' or 'valid'; groups splits the channels (depthwise: groups = in)."""
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    padding = conv_padding(padding, tuple(weight.shape[2:4]), dilation, stride)
    same_dtype("conv2d", x, weight, bias)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    op = pick(conv.Conv2d, fast_conv.Conv2d)
    return op.apply(*inputs, stride=stride, padding=padding, dilation=dilation, groups=groups)
