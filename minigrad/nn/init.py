"""Weight initialisation, as PyTorch's layers do it by default.

Conv2d and Linear draw weights from kaiming_uniform with a = sqrt(5), i.e.
U(-b, b) with b = gain * sqrt(3 / fan_in) and gain = sqrt(2 / (1 + a^2)),
which works out to b = 1 / sqrt(fan_in); biases from U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
Random numbers come from minigrad's seeded source (manual_seed).
"""
import math

import numpy as np

from .. import backend


def fan_in(shape):
    """Inputs feeding one output: in_features, or in_channels * kh * kw."""
    return int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]


def uniform_(tensor, low, high):
    values = backend.rng().uniform(low, high, tensor.shape).astype(tensor.dtype)
    tensor.data[...] = backend.to_device(values, tensor.device)
    return tensor


def kaiming_uniform_(tensor, a=0.0):
    gain = math.sqrt(2.0 / (1 + a * a))
    bound = gain * math.sqrt(3.0 / fan_in(tensor.shape))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, mode="fan_out"):
    """He initialisation with normal samples (torchvision's resnets use fan_out)."""
    fan = fan_in(tensor.shape) if mode == "fan_in" else tensor.shape[0] * int(np.prod(tensor.shape[2:]))
    std = math.sqrt(2.0 / fan)
    values = backend.rng().normal(0.0, std, tensor.shape).astype(tensor.dtype)
    tensor.data[...] = backend.to_device(values, tensor.device)
    return tensor


def constant_(tensor, value):
    tensor.data[...] = value
    return tensor
