"""Dropout (`F.dropout`, `F.dropout1d/2d/3d`, `F.alpha_dropout`, `F.feature_alpha_dropout`): zero inputs at
random while training, scaling the rest so the expected value is unchanged (ops/dropout.py); the
identity when not training, when p == 0, or on an empty tensor (the input itself is returned, as
PyTorch). The feature ("channel") versions drop whole channels: neighbouring pixels of one channel
are correlated, so dropping single pixels would hardly regularise a conv layer. The alpha versions
keep a SELU network's mean and variance: dropped units take SELU's negative saturation value,
and an affine map a x + b restores the statistics."""
import math
import warnings

from ...ops.dropout import NativeDropout
from ...random_source import random_uniform
from ...array_module import get_array_module
from ...tensor import Tensor
from .activation import type_name

SELU_SATURATION = 1.0507009873554804934193349852946 * 1.6732632423543772848170429916717  # -SELU(-inf)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _refuse_integers(input):
    if input.array.dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type {type_name(input.dtype)}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout: each element zeroed with probability p, the rest times 1 / (1 - p)."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    _refuse_integers(input)
    if inplace:
        return input._inplace(lambda t: NativeDropout.apply(t, p=p))
    return NativeDropout.apply(input, p=p)


def _noise_dropout(input, p, training, inplace, kept_dims, alpha=False):
    """PyTorch's _dropout_impl: a keep mask over the first `kept_dims` dims (all of them for plain
    dropout; 2, one draw per (sample, channel), for feature dropout; 1 for one unbatched sample)
    drawn from the seeded source, broadcast over the rest, applied as x * mask / (1 - p); for alpha
    dropout as a x' + b, x' being x with the dropped units set to -alpha (SELU's saturation value)."""
    _check_p(p)
    if not training or p == 0 or input.numel() == 0:
        return input
    _refuse_integers(input)
    if p == 1:
        return input.mul_(0.0) if inplace else input * 0.0  # NaN stays NaN, as PyTorch's multiply by 0
    if kept_dims == 2 and input.ndim < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    shape = input.shape[:kept_dims] + (1,) * (input.ndim - kept_dims)
    keep_array = random_uniform(get_array_module(input.array), shape, input.array.dtype) >= p
    keep = Tensor(keep_array.astype(input.array.dtype), dtype=input.dtype)
    if alpha:
        a = 1.0 / math.sqrt((SELU_SATURATION ** 2 * p + 1) * (1 - p))
        shift = (keep - 1) * (SELU_SATURATION * a) + SELU_SATURATION * a * p
        scale = keep * a
    else:
        shift, scale = None, keep / (1 - p)

    def compute(t):
        out = t * scale
        return out if shift is None else out + shift
    return input._inplace(compute) if inplace else compute(input)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, L) or unbatched (C, L) inputs."""
    _check_p(p)
    if input.ndim not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    return _noise_dropout(input, p, training, inplace, kept_dims=2 if input.ndim == 3 else 1)


def _deprecated_dims(name, ndim, spatial):
    warnings.warn(f"{name}: Received a {ndim}-D input to {name}, which is deprecated and will result in an error in "
                  "a future release. To retain the behavior and silence this warning, please use dropout instead. "
                  f"Note that {name} exists to provide channel-wise dropout on inputs with {spatial} spatial "
                  f"dimensions, a channel dimension, and an optional batch dimension (i.e. {spatial + 1}D or "
                  f"{spatial + 2}D inputs).", UserWarning, stacklevel=3)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, H, W): each whole (n, c) map is zeroed with probability p. A 3-D
    input is taken as (N, C, L), with PyTorch's warning."""
    _check_p(p)
    if input.ndim not in (3, 4):
        _deprecated_dims("dropout2d", input.ndim, 2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", UserWarning, stacklevel=2)
    return _noise_dropout(input, p, training, inplace, kept_dims=2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Channel dropout for (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""
    _check_p(p)
    if input.ndim not in (4, 5):
        _deprecated_dims("dropout3d", input.ndim, 3)
    return _noise_dropout(input, p, training, inplace, kept_dims=2 if input.ndim == 5 else 1)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout for SELU networks: dropped units become -1.7581 (SELU's saturation), then a x + b keeps
    the mean at 0 and the variance at 1. Note PyTorch's default here: training=False."""
    return _noise_dropout(input, p, training, inplace, kept_dims=input.ndim, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """alpha_dropout of whole channels (one draw per (sample, channel))."""
    return _noise_dropout(input, p, training, inplace, kept_dims=2, alpha=True)
