"""Weight initialisation (`nn.init`), with PyTorch's functions, signatures and defaults.

The idea (He et al. 2015, Glorot & Bengio 2010): draw weights with a variance chosen so that
activations keep their scale from layer to layer. For a layer with `fan_in` inputs per output,
kaiming uses std = gain / sqrt(fan), with gain = sqrt(2 / (1 + a^2)) for (leaky) ReLU;
xavier uses std = gain * sqrt(2 / (fan_in + fan_out)). A uniform U(-b, b) has std b / sqrt(3).

Conv2d and Linear draw their weights from kaiming_uniform_(w, a=sqrt(5)), which works out to
U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and biases from the same bound: PyTorch's defaults.
Every function changes the tensor in place and returns it; random numbers come from minigrad's
seeded source (minigrad.manual_seed).
"""
import math
import warnings

import numpy as np

from .. import array_module, random_source


def calculate_gain(nonlinearity, param=None):
    """The factor that keeps the activations' scale after `nonlinearity` (PyTorch's table)."""
    linear = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid")
    if nonlinearity in linear:
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"calculate_gain: negative_slope {param} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"calculate_gain: unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = in_features (* kernel area), fan_out = out_features (* kernel area)."""
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tuple(tensor.shape)})")
    receptive = int(np.prod(tensor.shape[2:])) if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fan(tensor, mode):
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode {mode!r} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    tensor.array[...] = array_module.to_device(np.asarray(values).astype(tensor.dtype), tensor.device)
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with samples of U(a, b)."""
    return _fill(tensor, random_source.rng().uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with samples of N(mean, std^2)."""
    return _fill(tensor, random_source.rng().normal(mean, std, tensor.shape))


def constant_(tensor, val):
    tensor.array[...] = val
    return tensor


def ones_(tensor):
    return constant_(tensor, 1)


def zeros_(tensor):
    return constant_(tensor, 0)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)) (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)) (Glorot)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)))


def _empty(tensor, name):
    if 0 in tensor.shape:
        warnings.warn(f"Initializing zero-element tensors is a no-op ({name})", UserWarning, stacklevel=3)
        return True
    return False


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-b, b) with b = sqrt(3) * gain / sqrt(fan) (He); `a` is the leaky ReLU's negative slope."""
    if _empty(tensor, "kaiming_uniform_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2) with std = gain / sqrt(fan) (He). PyTorch's default is mode='fan_in';
    torchvision's resnets pass mode='fan_out', nonlinearity='relu'."""
    if _empty(tensor, "kaiming_normal_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill with samples of N(mean, std^2) truncated to [a, b]: draws outside are drawn again
    (the same distribution as PyTorch's inverse-CDF method)."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", UserWarning, stacklevel=2)
    values = random_source.rng().normal(mean, std, tensor.shape)
    for _ in range(100):  # each round keeps the draws inside [a, b]
        outside = (values < a) | (values > b)
        if not outside.any():
            break
        values[outside] = random_source.rng().normal(mean, std, int(outside.sum()))
    return _fill(tensor, np.clip(values, a, b))


def eye_(tensor):
    """Fill a 2-D tensor with the identity matrix (ones on the diagonal, as torch.eye)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    return _fill(tensor, np.eye(*tensor.shape))


def dirac_(tensor, groups=1):
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each output channel copies one input
    channel (per group), so the convolution starts as the identity."""
    if tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    if tensor.shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = tensor.shape[0] // groups
    values = np.zeros(tensor.shape)
    center = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + center] = 1
    return _fill(tensor, values)


def orthogonal_(tensor, gain=1, generator=None):
    """Fill with a (semi-)orthogonal matrix (Saxe et al. 2013), as PyTorch: the tensor seen as
    (rows, everything else), Q of the QR decomposition of a Gaussian matrix (of its transpose when
    rows < cols), each column's sign fixed by R's diagonal so that Q is uniformly distributed; times gain."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor  # nothing to fill
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flattened = random_source.rng().normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flattened = flattened.T
    q, r = np.linalg.qr(flattened)
    q *= np.sign(np.diag(r))  # the sign correction: Q's columns times the signs of R's diagonal
    if rows < cols:
        q = q.T
    return _fill(tensor, (q * gain).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    """Fill a 2-D tensor with N(0, std^2) samples, then zero ceil(sparsity * rows) random rows of each column
    (Martens 2010)."""
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    values = random_source.rng().normal(0.0, std, (rows, cols))
    zeros = int(math.ceil(sparsity * rows))
    for column in range(cols):
        values[random_source.rng().permutation(rows)[:zeros], column] = 0
    return _fill(tensor, values)


def _deprecated(new):
    """PyTorch's old names without the trailing underscore: the same function, with a FutureWarning."""
    def old(*args, **kwargs):
        warnings.warn(f"`nn.init.{new.__name__[:-1]}` is now deprecated in favor of `nn.init.{new.__name__}`.",
                      FutureWarning, stacklevel=2)
        return new(*args, **kwargs)
    old.__name__, old.__doc__ = new.__name__[:-1], f"Deprecated: nn.init.{new.__name__}."
    return old


uniform, normal, constant = _deprecated(uniform_), _deprecated(normal_), _deprecated(constant_)
xavier_uniform, xavier_normal = _deprecated(xavier_uniform_), _deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = _deprecated(kaiming_uniform_), _deprecated(kaiming_normal_)
orthogonal, sparse, dirac = _deprecated(orthogonal_), _deprecated(sparse_), _deprecated(dirac_)
