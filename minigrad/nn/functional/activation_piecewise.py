"""Piecewise activations (`F.hardtanh`, `F.relu6`, `F.hardswish`, `F.threshold`, `F.prelu`...): each calls
one op of ops/activations_piecewise.py, where forward, backward and PyTorch's choice of gradient at each
kink are written out. hardtanh, relu6 and threshold keep integer tensors integer, as PyTorch's kernels do;
the others take floating-point tensors only."""
import math

import numpy as np

from ...ops.activations_piecewise import (HardshrinkOp, HardsigmoidOp, HardswishOp, HardtanhOp, Prelu, Rrelu,
                                          SoftshrinkOp, ThresholdOp)
from .activation import apply_activation as _apply, leaky_relu, require_floating, type_name


_C_TYPES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int", "int64": "int64_t",
            "float32": "float", "float64": "double", "float16": "c10::Half"}


def check_scalar(value, dtype, strict_unsigned=False):
    """PyTorch converts a number argument to the tensor's dtype and refuses one that overflows it
    (c10's `overflows`): a finite float outside the dtype's range; for an integer dtype a NaN, an inf,
    a number outside its range (an unsigned dtype also takes -max..-1 from an int, wrapping around as
    C does, unless strict_unsigned)."""
    if dtype.kind == "b":
        return
    if dtype.kind == "f":
        fits = not math.isfinite(value) or abs(value) <= float(np.finfo(dtype).max)
    else:
        info = np.iinfo(dtype)
        wraps = dtype.kind == "u" and not isinstance(value, float) and not strict_unsigned
        fits = (-info.max if wraps else info.min) <= value <= info.max  # False for NaN
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {_C_TYPES.get(dtype.name, dtype.name)} without overflow")


def _hardtanh_bounds(dtype, min_val, max_val):
    """PyTorch's checks of hardtanh's bounds: an integer tensor's are taken as int64 first (truncated)."""
    if dtype.kind == "f":
        return [check_scalar(v, dtype) for v in (min_val, max_val)]
    for v in (min_val, max_val):
        check_scalar(v, np.dtype(np.int64))
    if dtype.kind == "u" and min(int(min_val), int(max_val)) < 0:
        raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
    for v in (min_val, max_val):
        check_scalar(int(v), dtype)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]; the gradient is 0 at the bounds themselves."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    if input.array.dtype.kind == "b":
        raise RuntimeError("Bool inputs not supported for hardtanh")
    _hardtanh_bounds(input.dtype, min_val, max_val)
    return _apply(HardtanhOp, input, inplace, min_val=min_val, max_val=max_val)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def relu6(input, inplace=False):
    """min(max(x, 0), 6) = hardtanh(x, 0, 6): gradient 0 at 0 and at 6, as PyTorch."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6."""
    return _apply(HardsigmoidOp, require_floating(input, "hardsigmoid"), inplace)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6."""
    return _apply(HardswishOp, require_floating(input, "hardswish"), inplace)


def threshold(input, threshold, value, inplace=False):
    """value where x <= threshold, else x."""
    if input.array.dtype.kind == "b":
        raise NotImplementedError("\"threshold_cpu\" not implemented for 'Bool'")
    check_scalar(threshold, input.dtype)
    check_scalar(value, input.dtype)
    return _apply(ThresholdOp, input, inplace, threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return globals()["threshold"](input, threshold, value, inplace=True)  # the function, not the argument


def hardshrink(input, lambd=0.5):
    """0 on [-lambd, lambd], else x."""
    return HardshrinkOp.apply(require_floating(input, "hardshrink"), lambd=lambd)


def softshrink(input, lambd=0.5):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""
    require_floating(input, "softshrink_check", per_device=False)
    if lambd < 0:
        raise RuntimeError(f"lambda must be in range [0, 3.40282e+38] for input dtype {type_name(input.dtype)}, "
                           f"but found {lambd:g}")
    return SoftshrinkOp.apply(input, lambd=lambd)


def prelu(input, weight):
    """x where x > 0, else weight * x; weight holds one slope, or one per channel (dim 1 of input)."""
    if input.dtype != weight.dtype:
        raise RuntimeError(f"prelu: Type promoting not supported. Got {type_name(input.dtype)} and "
                           f"{type_name(weight.dtype)}")
    require_floating(input, "prelu")
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = {weight.ndim}")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() != 1 and weight.numel() != channels:
        raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                           f"{weight.numel()} and channel size = {channels}.")
    # the weight as (1, C, 1, ...) against an input with a channel dim, else as one number
    shape = (1, weight.numel()) + (1,) * (input.ndim - 2) if input.ndim >= 2 else (1,) * input.ndim
    return Prelu.apply(input, weight.reshape(shape))


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomised leaky ReLU: in training, each negative input gets its own slope drawn from
    U(lower, upper); in evaluation the slope is their mean, (lower + upper) / 2."""
    require_floating(input, "leaky_relu" if not training else "rrelu_with_noise_out")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)
    return _apply(Rrelu, input, inplace, lower=lower, upper=upper)


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, inplace=True)
