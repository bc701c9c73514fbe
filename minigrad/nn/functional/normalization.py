"""Normalisation (`F.batch_norm`, `F.layer_norm`, `F.group_norm`, `F.instance_norm`, `F.normalize`): batch
norm is the op of ops/normalization.py (or its fast twin), and instance norm is batch norm of a
reshaped view, as PyTorch computes it; layer_norm and group_norm are the ops of ops/layer_norm.py;
normalize, rms_norm and local_response_norm are compositions of tensor ops, so their gradients come
with them."""
import math

import numpy as np

from ...array_module import get_array_module
from ...ops import normalization
from ...ops.fast import normalization as fast_normalization
from ...ops.layer_norm import NativeGroupNorm, NativeLayerNorm
from ...ops.reference_switch import pick
from ...tensor import Tensor
from ...tensor_special import scalar_name
from .padding import pad


def _array(buffer):
    """Running statistics may be given as arrays or as Tensors (buffers) holding them."""
    return buffer.array if isinstance(buffer, Tensor) else buffer


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (see ops/normalization.py); running statistics are updated
    in place when training. The output has x's dtype whatever the statistics' dtype."""
    if (weight is None) != (bias is None):  # one affine part given: the other is the identity
        xp = get_array_module(x.array)
        weight = weight if weight is not None else Tensor(xp.ones(x.shape[1], dtype=x.dtype), dtype=x.dtype)
        bias = bias if bias is not None else Tensor(xp.zeros(x.shape[1], dtype=x.dtype), dtype=x.dtype)
    if x.numel() == 0 and x.ndim >= 2:  # an empty batch, as PyTorch: an empty output, statistics untouched,
        shape = (1, -1) + (1,) * (x.ndim - 2)  # zero gradients for weight and bias
        return x * weight.reshape(shape) + bias.reshape(shape) if weight is not None else x * 1
    inputs = (x,) if weight is None else (x, weight, bias)
    op = pick(normalization.BatchNorm, fast_normalization.BatchNormFast)  # ops/reference_switch.py: fast unless switched off
    return op.apply(*inputs, running_mean=_array(running_mean), running_var=_array(running_var),
                    training=training, momentum=momentum, eps=eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dimensions of each sample (mean 0, variance 1,
    the biased variance), then scale and shift elementwise."""
    if not isinstance(normalized_shape, (tuple, list)):  # a Size is a tuple; nn.LayerNorm turns an int into one
        raise TypeError(f"layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    bad = [i for i, s in enumerate(normalized_shape) if not isinstance(s, int) or isinstance(s, bool)]
    if bad:
        raise TypeError(f"layer_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, but found "
                        f"element of type {type(normalized_shape[bad[0]]).__name__} at pos {bad[0]}")
    shape = tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(v.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                               f"{list(v.shape)} and normalized_shape = {list(shape)}")
    _check_dtypes("LayerNormKernelImpl", input, weight, bias)
    return NativeLayerNorm.apply(input, weight, bias, dims=len(shape), eps=eps)


def _check_dtypes(kernel, input, *parameters):
    """PyTorch's CPU kernels: floating-point input, parameters of the input's dtype."""
    if input.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{scalar_name(input.dtype)}'")
    for p in parameters:
        if p is not None and p.dtype != input.dtype:
            raise RuntimeError("mixed dtype (CPU): expect parameter to have scalar type of Float"
                               if input.dtype == np.float32 else "mixed dtype (CPU): all inputs must share same datatype.")


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over dim, eps): unit vectors along dim (cosine similarity's first step)."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported by minigrad; use the returned tensor")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise each sample's channels in num_groups groups (Wu & He 2018): over the group's channels
    and all their pixels, mean 0 and variance 1 (the biased variance), then scale and shift per
    channel. One group is layer norm over (C, H, W); C groups is instance norm."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[:2]
    size = [n * c // num_groups, num_groups] + list(input.shape[2:])  # PyTorch's check (0 groups: ZeroDivisionError)
    if math.prod([size[0]] + size[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    if not isinstance(num_groups, int) or num_groups <= 0 or c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got input of "
                           f"shape {list(input.shape)} and num_groups={num_groups}")
    for name, v in (("weight", weight), ("bias", bias)):
        if v is not None and tuple(v.shape) != (c,):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of channels in input, but "
                               f"got {name} of shape {list(v.shape)} and input of shape {list(input.shape)}")
    _check_dtypes("GroupNormKernelImpl", input, weight, bias)
    return NativeGroupNorm.apply(input, weight, bias, groups=num_groups, eps=eps)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its own pixels (Ulyanov et al. 2016: style transfer).
    As PyTorch computes it: batch norm of the (1, N*C, ...) view, whose "channels" are the (sample,
    channel) pairs; the running statistics, when given, move towards the mean over the samples."""
    if use_input_stats:
        pixels = 1
        for size in input.shape[2:]:
            pixels *= size
        if pixels == 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {list(input.shape)}")
    n, c = input.shape[:2]
    repeat = lambda v: None if v is None else v.repeat(n)  # noqa: E731  (one copy per sample)
    stats = [None if s is None else _array(s).reshape(1, c).repeat(n, axis=0).reshape(-1)
             for s in (running_mean, running_var)]
    out = batch_norm(input.reshape((1, n * c) + tuple(input.shape[2:])), stats[0], stats[1], repeat(weight),
                     repeat(bias), training=use_input_stats, momentum=momentum, eps=eps)
    for running, updated in zip((running_mean, running_var), stats):
        if running is not None and use_input_stats:
            _array(running)[...] = updated.reshape(n, c).mean(axis=0)
    return out.reshape(input.shape)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """x / sqrt(mean(x^2) + eps) * weight over the last len(normalized_shape) dims (Zhang & Sennrich
    2019: layer norm without the mean), a composition of tensor ops as PyTorch's own reference;
    eps defaults to the dtype's machine epsilon, and the result has the input's dtype."""
    if not isinstance(normalized_shape, (tuple, list)) and type(normalized_shape).__name__ != "Size":
        raise TypeError("rms_norm(): argument 'normalized_shape' (position 2) must be tuple of ints, not "
                        f"{type(normalized_shape).__name__}")
    shape = [int(s) for s in normalized_shape]
    if input.array.dtype.kind != "f":
        raise NotImplementedError(f"\"rms_norm\" not implemented for '{scalar_name(input.array.dtype)}'")
    if not shape:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
                           "element, but got normalized_shape = []")
    if weight is not None and list(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got weight of shape "
                           f"{list(weight.shape)} and normalized_shape = {shape}")
    if list(input.shape[input.ndim - len(shape):]) != shape or input.ndim < len(shape):
        raise RuntimeError(f"Given normalized_shape={shape}, expected input with shape [*{', '.join(map(str, shape))}]"
                           f", but got input of size{list(input.shape)}")
    eps = float(np.finfo(input.array.dtype).eps) if eps is None else eps
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else (out * weight).to(input.dtype)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta (Krizhevsky et al. 2012),
    as PyTorch composes it: the window over channels is zero-padded, size // 2 before and
    (size - 1) // 2 after, and its mean always divides by `size`."""
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    squares = input * input
    channels = input.shape[1]
    flat = squares.reshape(input.shape[0], 1, channels, -1)
    padded = pad(flat, (0, 0, size // 2, (size - 1) // 2))
    window = padded[:, :, 0:channels]
    for offset in range(1, size):  # one slice per offset in the window, never a loop over pixels
        window = window + padded[:, :, offset:offset + channels]
    mean = window / size if window.is_floating_point() else window // size  # integer pooling truncates
    div = mean.reshape(input.shape)
    return input / (div * alpha + k) ** beta
