"""Convolution (`F.conv2d`, `F.conv1d`, `F.conv_transpose2d`, `F.conv_transpose1d`): PyTorch's arguments
(stride, padding, dilation, groups as ints or pairs; padding 'same'/'valid') turned into the op of
ops/conv.py (the lecture's im2col + GEMM) or its fast twin in ops/fast/conv.py, and the transposed
convolution of ops/conv_transpose.py. The 1-D versions are the 2-D ones on a (N, C, 1, L) view."""
import functools

from ...ops import conv
from ...ops.broadcast_errors import ShapeError
from ...ops.conv_transpose import ConvolutionTranspose2d, check_conv_transpose
from ...ops.fast import conv as fast_conv
from ...ops.geometry import as_int, pair
from ...ops.reference_switch import pick
from ...tensor_math import same_dtype


def conv_padding(padding, kernel_size, dilation, stride, op="conv2d"):
    """PyTorch's padding argument as ((top, bottom), (left, right)): an int, a pair,
    'valid' (none) or 'same' (output size = input size; stride 1 only, the odd cell at
    the bottom/right, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise ShapeError(f"Invalid padding string: {padding!r} ({op}: padding must be an int, a pair, 'valid' or "
                             f"'same', got {padding!r})")
        if stride != (1, 1):
            raise ShapeError(f"padding='same' is not supported for strided convolutions ({op}, stride {stride}): "
                             "give the padding as numbers")
        total = [d * (k - 1) for d, k in zip(dilation, kernel_size)]
        return tuple((t // 2, t - t // 2) for t in total)
    ph, pw = pair(padding, "padding", op)
    return ((ph, ph), (pw, pw))


def check_convolution(x, weight, bias, stride, padding, dilation, groups):
    """PyTorch's checks of a convolution's arguments, in its order and words (RuntimeError; as ShapeError,
    also a ValueError): stride, dilation and the (before, after) padding pairs are per spatial dimension
    of x, one for conv1d, two for conv2d."""
    if as_int(groups) is None:  # an int, or numpy's or a 0-d tensor's integer, as torch
        raise TypeError(f"conv: groups must be an int, got {groups!r}")
    if groups <= 0:
        raise ShapeError("non-positive groups is not supported")
    if min(p for pads in padding for p in pads) < 0:
        raise ShapeError("negative padding is not supported")
    if min(stride) <= 0:
        raise ShapeError("non-positive stride is not supported")
    if min(dilation) <= 0:
        raise ShapeError("non-positive dilation is not supported")
    w = list(weight.shape)
    if weight.ndim != x.ndim:
        raise ShapeError(f"Expected {weight.ndim}-dimensional input for {weight.ndim}-dimensional weight {w}, but got "
                         f"{x.ndim}-dimensional input of size {list(x.shape)} instead")
    if w[0] < groups:
        raise ShapeError(f"Given groups={groups}, expected weight to be at least {groups} at dimension 0, but got "
                         f"weight of size {w} instead")
    if w[0] % groups:
        raise ShapeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but got "
                         f"weight of size [{w}] instead")
    op = f"conv{x.ndim - 2}d"
    if x.shape[1] != w[1] * groups:
        hint = (f"{op}: groups={groups} must divide both the input's {x.shape[1]} channels and the weight's {w[0]} "
                f"output channels" if x.shape[1] % groups else
                f"{op}: input has {x.shape[1]} channels (shape {tuple(x.shape)}) but the weight {tuple(w)} with "
                f"groups={groups} expects {w[1] * groups}")
        raise ShapeError(f"Given groups={groups}, weight of size {w}, expected input{list(x.shape)} to have "
                         f"{w[1] * groups} channels, but got {x.shape[1]} channels instead ({hint})")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != w[0]):
        raise ShapeError(f"Given weight of size {w}, expected bias to be 1-dimensional with {w[0]} elements, but got "
                         f"bias of size {list(bias.shape)} instead")
    padded = [size + sum(pads) for size, pads in zip(x.shape[2:], padding)]
    kernel = [d * (k - 1) + 1 for d, k in zip(dilation, w[2:])]
    if any(p < k for p, k in zip(padded, kernel)):
        raise ShapeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel size: "
                         f"({' x '.join(map(str, kernel))}). Kernel size can't be greater than actual input size "
                         f"({op}: kernel {'x'.join(map(str, w[2:]))} (dilation {'x'.join(map(str, dilation))}) is "
                         f"larger than the padded input {'x'.join(map(str, padded))})")


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
    if x.ndim != 4:
        raise ShapeError(f"Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: "
                         f"{list(x.shape)} (conv2d: expected a 4-D input (batch, channels, height, width) or a 3-D "
                         f"one (one image), got shape {tuple(x.shape)})")
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    padding = conv_padding(padding, tuple(weight.shape[2:4]), dilation, stride)
    check_convolution(x, weight, bias, stride, padding, dilation, groups)
    same_dtype("conv2d", x, weight, bias)
    if x.numel() == 0 and x.shape[0] and x.shape[1]:
        raise ShapeError(f"Only zero batch or zero channel inputs are supported, but got input shape: {list(x.shape)}")
    inputs = (x, weight) if bias is None else (x, weight, bias)
    if x.shape[1] == 0:  # no input channels: PyTorch's answer has no output channels either (and zero gradients)
        out_hw = [(size + sum(pads) - d * (k - 1) - 1) // s + 1
                  for size, pads, d, k, s in zip(x.shape[2:], padding, dilation, weight.shape[2:], stride)]
        return x.new_zeros((x.shape[0], 0, *out_hw)) + sum(t.sum() for t in inputs) * 0
    # the op that runs: ops/fast/conv.py's Convolution2dFast by default (for speed), or the reference
    # ops/conv.py's Convolution2d, the lecture's im2col + GEMM, under MINIGRAD_REFERENCE_OPS=1 or
    # `with minigrad.ops.use_reference():` (step through that one in a debugger): ops/reference_switch.py's `pick`
    op = pick(conv.Convolution2d, fast_conv.Convolution2dFast)
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
        raise ShapeError(f"Expected 2D (unbatched) or 3D (batched) input to conv1d, but got input of size: "
                         f"{list(input.shape)}")
    if weight.ndim < 3:
        raise ShapeError("weight should have at least three dimensions")
    stride, dilation = single(stride, "stride", "conv1d"), single(dilation, "dilation", "conv1d")
    if not isinstance(padding, str):
        padding = (0, single(padding, "padding", "conv1d"))
    pads = conv_padding(padding, (1,) + tuple(weight.shape[2:3]), (1, dilation), (1, stride), "conv1d")[1:]
    batch = input if input.ndim == 3 else input.unsqueeze(0)
    check_convolution(batch, weight, bias, (stride,), pads, (dilation,), groups)  # in the 1-D words of PyTorch
    out = conv2d(input.unsqueeze(-2), weight.unsqueeze(2), bias, (1, stride), padding, (1, dilation), groups)
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
    return ConvolutionTranspose2d.apply(*inputs, stride=stride, padding=padding, output_padding=output_padding,
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
