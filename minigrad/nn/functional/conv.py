"""Convolution (`F.conv2d`, `F.conv1d`, `F.conv_transpose2d`, `F.conv_transpose1d`): PyTorch's arguments
(stride, padding, dilation, groups as ints or pairs; padding 'same'/'valid') turned into the op of
ops/conv.py (the lecture's im2col + GEMM) or its fast twin in ops/fast/conv.py, and the transposed
convolution of ops/conv_transpose.py. The 1-D versions are the 2-D ones on a (N, C, 1, L) view."""
import functools

from ...ops import conv
from ...ops.conv_transpose import ConvTranspose2d, check_conv_transpose
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
    """PyTorch's 2-D convolution and pools also take one image (C, H, W): a batch of one
    (and so do the indices a pool returns with return_indices=True)."""
    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        if getattr(x, "ndim", None) == 3:
            out = fn(x.unsqueeze(0), *args, **kwargs)
            return tuple(o.squeeze(0) for o in out) if isinstance(out, tuple) else out.squeeze(0)
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


def single(value, name, op):
    """PyTorch accepts 3 or (3,) for the one dimension of a 1-D convolution or pool."""
    if isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{op}: {name} must be an int or a 1-tuple of ints, got {value!r}")
    return value


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution of (N, C, L) (or one signal (C, L)) with an (out, in/groups, K) weight: the 2-D
    convolution of the (N, C, 1, L) view with the (out, in/groups, 1, K) kernel."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                           f"{list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(f"conv1d: expected a 3-D weight (out_channels, in_channels/groups, k), got shape "
                           f"{tuple(weight.shape)}")
    if not isinstance(padding, str):
        padding = (0, single(padding, "padding", "conv1d"))
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, single(stride, "stride", "conv1d")), padding,
                 (1, single(dilation, "dilation", "conv1d")), groups)
    return out.squeeze(-2)


@one_image_too
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 2-D convolution (ops/conv_transpose.py: im2col's adjoint, col2im) of an NCHW input with an
    (in, out/groups, KH, KW) weight; the output is (H - 1) * stride - 2 * padding + dilation * (KH - 1)
    + output_padding + 1 high (and as wide)."""
    op = "conv_transpose2d"
    stride, padding, dilation = pair(stride, "stride", op), pair(padding, "padding", op), pair(dilation, "dilation", op)
    output_padding = pair(output_padding, "output_padding", op)
    check_conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation)
    same_dtype(op, input, weight, bias)
    inputs = (input, weight) if bias is None else (input, weight, bias)
    return ConvTranspose2d.apply(*inputs, stride=stride, padding=padding, output_padding=output_padding,
                                 groups=groups, dilation=dilation)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """Transposed 1-D convolution of (N, C, L) (or (C, L)) with an (in, out/groups, K) weight: the 2-D one
    on (N, C, 1, L)."""
    op = "conv_transpose1d"
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D (unbatched) or 3D (batched) input to {op}, but got input of size: "
                           f"{list(input.shape)}")
    if weight.ndim != 3:
        raise RuntimeError(f"{op}: expected a 3-D weight (in_channels, out_channels/groups, k), got shape "
                           f"{tuple(weight.shape)}")
    out = conv_transpose2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, single(stride, "stride", op)),
                           (0, single(padding, "padding", op)), (0, single(output_padding, "output_padding", op)),
                           groups, (1, single(dilation, "dilation", op)))
    return out.squeeze(-2)
