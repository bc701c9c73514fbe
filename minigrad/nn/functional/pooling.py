"""Pooling (`F.max_pool2d`, `F.avg_pool2d`, the adaptive pools, their 1-D versions, `F.max_unpool2d`):
PyTorch's window arguments turned into the ops of ops/pooling.py (the reference) or
ops/fast/pooling.py. A 1-D pool is the 2-D one on the (N, C, 1, L) view."""
import numpy as np

from ...ops import pooling
from ...ops.broadcast_errors import ShapeError
from ...ops.fast import pooling as fast_pooling
from ...ops.geometry import as_int, output_size, pair, window
from ...ops.reference_switch import pick, reference_enabled
from ...factories import zeros
from ...tensor import Tensor
from ...tensor_special import not_implemented_for, scalar_name
from .conv import one_image_too, single


def _pool_window(op, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """The Window of a pooling: stride defaults to the kernel size; padding at most half
    the (dilated) kernel. PyTorch's checks, in its order and words (RuntimeError; as ShapeError,
    also a ValueError)."""
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or (isinstance(stride, (list, tuple)) and not stride) else pair(stride, "stride", op)
    dilation, pads = pair(dilation, "dilation", op), pair(padding, "padding", op)
    out = []
    for size, k, s, p, d in zip(x.shape[2:], kernel, stride, pads, dilation):  # height, then width
        if s == 0:
            raise ShapeError("stride should not be zero")
        if p < 0:
            raise ShapeError(f"pad must be non-negative, but got pad: {p}")
        if p > ((k - 1) * d + 1) // 2:
            raise ShapeError(f"pad should be at most half of effective kernel size, but got pad={p}, kernel_size={k} "
                             f"and dilation={d} ({op}: padding {p} must be at most half the kernel size {k})")
        out.append(output_size(size, k, s, p, p, d, ceil_mode) if s > 0 else 0)
    if min(kernel) <= 0:
        raise ShapeError(f"kernel size should be greater than zero, but got kH: {kernel[0]} kW: {kernel[1]}")
    if min(stride) <= 0:
        raise ShapeError(f"stride should be greater than zero, but got dH: {stride[0]} dW: {stride[1]}")
    if min(dilation) <= 0:
        raise ShapeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} dilationW: "
                         f"{dilation[1]}")
    if 0 in x.shape[1:]:
        raise ShapeError(f"Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:"
                         f"{list(x.shape)}")
    if min(out) < 1:
        c, h, w = x.shape[1:]
        raise ShapeError(f"Given input size: ({c}x{h}x{w}). Calculated output size: ({c}x{out[0]}x{out[1]}). Output "
                         f"size is too small ({op}: kernel {kernel[0]}x{kernel[1]} (dilation {dilation[0]}x"
                         f"{dilation[1]}) is larger than the padded input {h + 2 * pads[0]}x{w + 2 * pads[1]})")
    return window(op, x.shape, kernel, stride, tuple((p, p) for p in pads), dilation, ceil_mode)


def _indices(array):
    return Tensor(array, dtype=np.int64)


def _check_dtype(kernel, x, allowed=("f",)):
    """PyTorch's pooling kernels exist for some dtypes only (`allowed`: numpy kinds and dtype
    names): NotImplementedError with its kernel's name for the others."""
    if x.dtype.kind not in allowed and x.dtype.name not in allowed:
        raise not_implemented_for(kernel, x.dtype)


@one_image_too
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each window (kernel, stride, padding, dilation: ints or pairs); padding
    never wins, a NaN does (PyTorch's rule: ops/pooling.py max_pool_winners). ceil_mode keeps a
    last partial window, as PyTorch. return_indices=True also gives each winner's flat index
    y * W + x in its plane (int64), what F.max_unpool2d takes. Integers keep their dtype; bool is refused."""
    if x.ndim != 4:
        raise ShapeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    _check_dtype("max_pool2d", x, allowed=("f", "i", "u"))
    win = _pool_window("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    out = pick(pooling.MaxPool2dWithIndices, fast_pooling.MaxPool2dWithIndicesFast).apply(x, win=win)
    if not return_indices:
        return out
    winner = pooling.max_pool_winners(x.array, win)[1]
    return out, _indices(pooling.plane_indices(winner, win, x.shape[3]))


@one_image_too
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """The mean of each window. count_include_pad (PyTorch's default True) divides by the
    whole window, padding included; False divides by the input cells only; divisor_override
    (an int) divides every window's sum by itself. int64 stays int64, its means rounded toward
    zero, as PyTorch."""
    if divisor_override is not None and as_int(divisor_override) is None:  # an int, or numpy's or a 0-d tensor's
        raise TypeError(f"avg_pool2d(): argument 'divisor_override' must be int, not "
                        f"{type(divisor_override).__name__}")
    divisor_override = None if divisor_override is None else as_int(divisor_override)
    if divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if x.ndim < 3:  # PyTorch reads the size of dimension -3
        raise IndexError(f"Dimension out of range (expected to be in range of [{-max(x.ndim, 1)}, "
                         f"{max(x.ndim, 1) - 1}], but got -3)")
    if x.ndim != 4:
        raise ShapeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    _check_dtype("avg_pool2d", x, allowed=("f", "int64"))
    win = _pool_window("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    p = pair(padding, "padding", "avg_pool2d")
    return pooling.AveragePool2d.apply(  # one version only: no fast twin
        x, win=win, padding=((p[0], p[0]), (p[1], p[1])), count_include_pad=count_include_pad,
        divisor_override=divisor_override)


def _adaptive(op, x, output_size, reduce):
    if output_size is None:  # PyTorch reads its length
        raise TypeError("object of type 'NoneType' has no len()")
    if x.ndim != 4:
        raise ShapeError(f"{op}(): Expected 3D or 4D tensor, but got{':' if reduce == 'max' else ''} "
                         f"{list(x.shape)}")
    size = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    size = tuple(x.shape[2 + a] if s is None else s for a, s in enumerate(size))  # None: keep that size
    size = pair(size, "output_size", op)
    if min(size) < 0:
        raise ShapeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                         f"{{{size[0]}, {size[1]}}}")
    empty = [d for d in (1, 2, 3) if x.shape[d] == 0]
    if empty:
        raise ShapeError(f"{op}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                         f"{list(x.shape)} with dimension {empty[0]} being empty")
    if x.dtype.kind != "f":  # PyTorch's adaptive pools are for floats; to 1x1 its average is a mean()
        if reduce == "mean" and size == (1, 1):
            raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                               f"complex dtype. Got: {scalar_name(x.dtype)}")
        raise not_implemented_for(op, x.dtype)
    tile = None if reference_enabled() or 0 in size else fast_pooling.tiles(x.shape, size)
    if tile is not None:  # the fast path: bins that tile the input are plain pooling
        return max_pool2d(x, tile) if reduce == "max" else avg_pool2d(x, tile)
    return pooling.AdaptivePool2d.apply(x, output_size=size, reduce=reduce)


@one_image_too
def adaptive_avg_pool2d(x, output_size):
    """Average over PyTorch's adaptive bins: the output is (N, C, *output_size) whatever the input size."""
    return _adaptive("adaptive_avg_pool2d", x, output_size, "mean")


@one_image_too
def adaptive_max_pool2d(x, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive bins; a tie's gradient goes to the first maximum (a NaN's to the
    last NaN), as PyTorch. return_indices=True also gives each winner's flat index in its plane."""
    out = _adaptive("adaptive_max_pool2d", x, output_size, "max")
    if not return_indices:
        return out
    return out, _indices(pooling.adaptive_max_indices(x.array, out.shape[2:]))


# ---- 1-D pools: the 2-D ones on the (N, C, 1, L) view --------------------------------------------

def _view_2d(op, x):
    if x.ndim not in (2, 3):
        raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, "
                           f"but got:{list(x.shape)}")
    return x.unsqueeze(-2)


def _back_to_1d(out):
    return tuple(o.squeeze(-2) for o in out) if isinstance(out, tuple) else out.squeeze(-2)


def _stride_1d(stride, kernel, op):
    return kernel if stride is None or stride == [] or stride == () else single(stride, "stride", op)


def _check_max_pool1d(x, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's max_pool1d_impl: its checks, in its order and words, then floats only."""
    _view_2d("max_pool1d", x)  # the dimensions
    for name, value, low in (("kernel_size", kernel, 1), ("stride", stride, 1)):
        if value < low:
            raise ShapeError(f"max_pool1d() {name} must be greater than zero, but got {value}")
    if padding < 0:
        raise ShapeError(f"max_pool1d() padding must be non-negative, but got {padding}")
    if padding > kernel // 2:
        raise ShapeError(f"max_pool1d() padding should be at most half of kernel size, but got padding={padding} and "
                         f"kernel_size={kernel}")
    if dilation <= 0:
        raise ShapeError(f"max_pool1d() dilation must be greater than zero, but got {dilation}")
    out = output_size(x.shape[-1], kernel, stride, padding, padding, dilation, ceil_mode)
    if out <= 0:
        raise ShapeError(f"max_pool1d() Invalid computed output size: {out}")
    _check_dtype("max_pool1d_impl", x)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The maximum of each window along the last dimension of (N, C, L) or (C, L)."""
    op = "max_pool1d"
    k = single(kernel_size, "kernel_size", op)
    if not return_indices:  # PyTorch's max_pool1d_impl, with its own checks (with indices it is max_pool2d's)
        _check_max_pool1d(input, k, _stride_1d(stride, k, op), single(padding, "padding", op),
                          single(dilation, "dilation", op), ceil_mode)
    return _back_to_1d(max_pool2d(_view_2d(op, input), (1, k), (1, _stride_1d(stride, k, op)),
                                  (0, single(padding, "padding", op)), (1, single(dilation, "dilation", op)),
                                  ceil_mode, return_indices))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean of each window along the last dimension of (N, C, L) or (C, L) (int64: see avg_pool2d)."""
    op = "avg_pool1d"
    k = single(kernel_size, "kernel_size", op)
    return _back_to_1d(avg_pool2d(_view_2d(op, input), (1, k), (1, _stride_1d(stride, k, op)),
                                  (0, single(padding, "padding", op)), ceil_mode, count_include_pad))


def adaptive_avg_pool1d(input, output_size):
    """Average over PyTorch's adaptive bins along the last dimension: (N, C, L) -> (N, C, output_size)."""
    size = single(output_size, "output_size", "adaptive_avg_pool1d")
    return _back_to_1d(adaptive_avg_pool2d(_view_2d("adaptive_avg_pool1d", input), (1, size)))


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Maximum over PyTorch's adaptive bins along the last dimension (indices: positions along L)."""
    size = single(output_size, "output_size", "adaptive_max_pool1d")
    return _back_to_1d(adaptive_max_pool2d(_view_2d("adaptive_max_pool1d", input), (1, size), return_indices))


# ---- unpooling: each value back at the place its max pool found it, zeros elsewhere -------------

def _unpool_size(x, kernel, stride, padding, output_size):
    """The output's spatial size: the max pool's input size by default, or output_size if it is one
    that the same pool could have come from (within one stride of the default, as PyTorch)."""
    n = len(kernel)
    default = [(x.shape[x.ndim - n + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(n)]
    if output_size is None:
        return default
    size = list(output_size)
    if len(size) == n + 2:
        size = size[2:]
    if len(size) != n:
        raise ValueError(f"output_size should be a sequence containing {n} or {n + 2} elements, but it has a length "
                         f"of '{len(size)}'")
    for d in range(n):
        low, high = default[d] - stride[d], default[d] + stride[d]
        if not low < size[d] < high:
            raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be between {low} and {high})')
    return size


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """The inverse of max_pool2d(return_indices=True): a zero image of the pool's input size with each
    value written at its index y * W + x in its plane; the gradient of each value is the output
    gradient at its index (a scatter: Tensor.scatter's backward)."""
    op = "max_unpool2d"
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None else pair(stride, "stride", op)
    oh, ow = _unpool_size(input, kernel, stride, pair(padding, "padding", op), output_size)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}: expected a 3-D or 4-D input, got shape {tuple(input.shape)}")
    if indices.dtype != np.int64:
        raise RuntimeError(f"elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) "
                           f"but got indices tensor with shape: {list(indices.shape)}")
    places = indices.array.reshape(indices.shape[:-2] + (-1,))
    bad = (places < 0) | (places >= oh * ow)
    if bad.any():
        raise RuntimeError(f"Found an invalid max index: {int(places[bad][0])} (output volumes are of size "
                           f"{oh}x{ow})")
    plane = zeros(*input.shape[:-2], oh * ow, dtype=input.dtype, device=input.device)
    return plane.scatter(-1, places, input.flatten(-2)).unflatten(-1, (oh, ow))


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """max_unpool2d along the last dimension of (N, C, L) or (C, L)."""
    op = "max_unpool1d"
    k = single(kernel_size, "kernel_size", op)
    size = _unpool_size(input, (k,), (_stride_1d(stride, k, op),), (single(padding, "padding", op),), output_size)
    out = max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, k), (1, _stride_1d(stride, k, op)),
                       (0, single(padding, "padding", op)), (1, size[0]))
    return out.squeeze(-2)
