"""Resizing images (`F.interpolate`, `F.upsample*`, `F.pixel_shuffle`, `F.pixel_unshuffle`), as
compositions of tensor ops, so their gradients come with them.

Interpolation is separable: resizing (H, W) is resizing W, then H. Along one dimension each output
cell j reads input cells at a source position src(j) with weights; PyTorch's coordinate rules:

    nearest         src = min(floor(j * scale), L - 1)              one cell, weight 1
    nearest-exact   src = min(floor((j + 0.5) * scale), L - 1)
    linear          x = scale * (j + 0.5) - 0.5 (at least 0); cells floor(x), floor(x) + 1, weights 1 - t, t
    (align_corners) x = j * (L - 1) / (out - 1)
    bicubic         x as linear (not clamped at 0); cells floor(x) - 1 .. floor(x) + 2, clamped to the edge,
                    Keys' cubic convolution weights with a = -0.75

scale = L / out, or 1 / scale_factor when scale_factor is given (PyTorch computes the nearest modes'
scale in float32 and the others in the input's dtype; so does this file). Each dimension is then
sum_k x.index_select(dim, cells_k) * weight_k, the innermost dimension first, as PyTorch sums.
"""
import math

import numpy as np

from ...array_module import get_array_module
from ...tensor import Tensor
from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
_MODE_DIMS = {"linear": 3, "bilinear": 4, "trilinear": 5}
_TORCH_DTYPES = {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "bool": "Bool", "uint8": "Byte"}


def _source_cells(mode, size, out, scale_factor, align_corners, dtype, image=True):
    """For one dimension: a list of (cells, weights) pairs (weights None for the nearest modes).
    `image`: the input is 4-D, where PyTorch's nearest mode takes shortcuts the 3-D and 5-D ones do not."""
    j = np.arange(out)
    if mode in ("nearest", "nearest-exact"):
        scale = np.float32(1.0 / scale_factor if scale_factor else np.float32(size) / np.float32(out))
        if mode == "nearest" and image and out in (size, 2 * size):  # a copy, or every cell twice
            return [(j if out == size else j >> 1, None)]
        pos = (j * scale).astype(np.float32) if mode == "nearest" else ((j + 0.5) * scale).astype(np.float32)
        return [(np.minimum(np.floor(pos).astype(np.int64), size - 1), None)]
    real = dtype.type
    if align_corners:
        scale = real(size - 1) / real(out - 1) if out > 1 else real(0)
        x = scale * j.astype(dtype)
    else:
        scale = real(1.0 / scale_factor) if scale_factor else real(size) / real(out)
        x = scale * (j.astype(dtype) + real(0.5)) - real(0.5)
    if mode == "bicubic":
        base = np.minimum(np.floor(x.astype(np.float32)).astype(np.int64), size - 1)
        t = np.clip(x - base.astype(dtype), 0, 1)
        cells = [np.clip(base - 1 + k, 0, size - 1) for k in range(4)]
        return list(zip(cells, _cubic_weights(t, real)))
    if out == size:  # PyTorch's shortcut: a copy
        return [(j, np.ones(out, dtype)), (j, np.zeros(out, dtype))]
    x = np.maximum(x, real(0))
    i0 = np.minimum(np.floor(x.astype(np.float32)).astype(np.int64), size - 1)
    t = np.clip(x - i0.astype(dtype), 0, 1)
    return [(i0, real(1) - t), (i0 + (i0 < size - 1), t)]


def _cubic_weights(t, real):
    """Keys' cubic convolution (a = -0.75) at the distances 1 + t, t, 1 - t, 2 - t."""
    a = real(-0.75)
    near = lambda d: ((a + 2) * d - (a + 3)) * d * d + 1  # noqa: E731  (|d| <= 1)
    far = lambda d: ((a * d - 5 * a) * d + 8 * a) * d - 4 * a  # noqa: E731  (1 < |d| < 2)
    return [far(t + real(1)), near(t), near(real(1) - t), far(real(2) - t)]


def _resample(x, dim, pairs):
    """sum_k x.index_select(dim, cells_k) * weights_k along one dimension."""
    xp = get_array_module(x.array)
    shape = [1] * x.ndim
    shape[dim] = -1
    out = None
    for cells, weights in pairs:
        picked = x.index_select(dim, xp.asarray(cells))
        if weights is not None:
            picked = picked * Tensor(xp.asarray(weights.reshape(shape)), dtype=x.dtype)
        out = picked if out is None else out + picked
    return out


def _output_size(input, size, scale_factor, recompute_scale_factor):
    """The output's spatial size, and the scale factors PyTorch's kernels use (None: size / input)."""
    dims = input.ndim - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute_scale_factor:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        if isinstance(size, (list, tuple)) and len(size) != dims:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(input.shape[2:])} and output size of {size}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             "format.")
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dims
        if not all(isinstance(s, int) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"interpolate: size must be an int or a tuple of ints, got {size!r}")
        return sizes, [None] * dims
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)) and len(scale_factor) != dims:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input with "
                         f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {scale_factor}. "
                         "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, "
                         "...,sK) format.")
    many = isinstance(scale_factor, (list, tuple))
    factors = [float(f) for f in scale_factor] if many else [float(scale_factor)] * dims
    sizes = [math.floor(float(n) * f) for n, f in zip(input.shape[2:], factors)]
    return sizes, ([None] * dims if recompute_scale_factor else factors)


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None, recompute_scale_factor=None,
                antialias=False):
    """Resize the spatial dimensions of (N, C, ...) to `size` or by `scale_factor` (see the module docstring).
    Modes: 'nearest', 'nearest-exact', 'linear' (3-D), 'bilinear' and 'bicubic' (4-D), 'trilinear' (5-D),
    'area' (adaptive average pooling, 3-D or 4-D)."""
    if mode in _INTERPOLATING:
        align_corners = bool(align_corners)
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    if antialias:
        if not (mode in ("bilinear", "bicubic") and input.ndim == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires a "
                             "4-D tensor as input")
        raise NotImplementedError("interpolate: antialias=True is not supported by minigrad")
    modes = ("nearest", "nearest-exact", "area", "bicubic") + tuple(_MODE_DIMS)
    if mode not in modes or input.ndim not in (3, 4, 5) or (mode == "bicubic" and input.ndim != 4):
        raise NotImplementedError(f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
                                  "the modes: nearest | linear | bilinear | bicubic | trilinear | lanczos | area | "
                                  f"nearest-exact (got {mode})")
    if mode in _MODE_DIMS and input.ndim != _MODE_DIMS[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_MODE_DIMS[mode]}D input")
    if mode == "area" and input.ndim == 5:
        raise NotImplementedError("interpolate: mode='area' on a 5-D input (adaptive_avg_pool3d) is not supported by "
                                  "minigrad")
    sizes, factors = _output_size(input, size, scale_factor, recompute_scale_factor)
    if min(sizes) <= 0 or 0 in input.shape[2:]:
        names = "DHW"[5 - input.ndim:]
        raise RuntimeError("Input and output sizes should be greater than 0, but got input (" + ", ".join(
            f"{n}: {s}" for n, s in zip(names, input.shape[2:])) + ") output (" + ", ".join(
            f"{n}: {s}" for n, s in zip(names, sizes)) + ")")
    if mode == "area":
        return adaptive_avg_pool1d(input, sizes[0]) if input.ndim == 3 else adaptive_avg_pool2d(input, tuple(sizes))
    kind = input.array.dtype
    if kind.kind != "f" and not (kind == np.uint8 and mode.startswith("nearest")):
        helper = "nearest" if mode.startswith("nearest") else "linear" if mode != "bicubic" else "cubic"
        raise NotImplementedError(f'"compute_indices_weights_{helper}" not implemented for '
                                  f"'{_TORCH_DTYPES.get(kind.name, kind.name)}'")
    out = input
    for dim in range(input.ndim - 1, 1, -1):  # the innermost dimension first
        pairs = _source_cells(mode, input.shape[dim], sizes[dim - 2], factors[dim - 2], align_corners, kind,
                              input.ndim == 4)
        out = _resample(out, dim, pairs)
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated in PyTorch: interpolate."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """Deprecated in PyTorch: interpolate(mode='nearest')."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """Deprecated in PyTorch: interpolate(mode='bilinear', align_corners=True)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _factor(value, name, op):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{op}(): argument '{name}' (position 2) must be int, not {type(value).__name__}")
    if value <= 0:
        raise RuntimeError(f"{op} expects a positive {name}, but got {value}")
    return value


def pixel_shuffle(input, upscale_factor):
    """(*, C * r^2, H, W) -> (*, C, H * r, W * r): each group of r^2 channels becomes an r x r block of
    pixels (Shi et al. 2016, the super-resolution layer). A reshape, a permute and a reshape."""
    r = _factor(upscale_factor, "upscale_factor", "pixel_shuffle")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)  # (*, C, r_y, r_x, H, W)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (*, C, H, r_y, W, r_x)
    return _new_tensor(x.reshape(*lead, c // (r * r), h * r, w * r), input)


def _new_tensor(out, input):
    """PyTorch's pixel (un)shuffle always writes a new tensor; the reshape above is a view of the
    input where the permutation moved nothing (r = 1, 1x1 images, expanded inputs): copy it then."""
    if not get_array_module(out.array).may_share_memory(out.array, input.array):
        return out
    copy = out.contiguous()
    return out.clone() if copy is out else copy


def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (*, C, H * r, W * r) -> (*, C * r^2, H, W)."""
    r = _factor(downscale_factor, "downscale_factor", "pixel_unshuffle")
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.ndim} dimension(s)")
    *lead, c, h, w = input.shape
    for name, size, k in (("height", h, -2), ("width", w, -1)):
        if size % r:
            raise RuntimeError(f"pixel_unshuffle expects {name} to be divisible by downscale_factor, but "
                               f"input.size({k})={size} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)  # (*, C, H, r_y, W, r_x)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (*, C, r_y, r_x, H, W)
    return _new_tensor(x.reshape(*lead, c * r * r, h // r, w // r), input)
