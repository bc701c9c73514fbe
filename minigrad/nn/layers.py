"""The layers of a resnet and of fastai's head, each a Module around one
function of `nn/functional/`, initialised as PyTorch initialises it."""
import math

import numpy as np

from . import functional as F
from . import init
from ..ops.geometry import pair
from .module import Module, Parameter


class Linear(Module):
    """y = x @ W^T + b, W of shape (out_features, in_features)."""

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(np.empty((out_features, in_features), dtype=np.float32))
        self.bias = Parameter(np.empty(out_features, dtype=np.float32)) if bias else None
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(in_features)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Conv2d(Module):
    """A 2-D convolution layer with PyTorch's arguments and initialisation: weight
    (out, in/groups, KH, KW) kaiming-uniform with a=sqrt(5), bias uniform in +-1/sqrt(fan_in)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros"):
        super().__init__()
        if padding_mode != "zeros":
            raise ValueError(f"Conv2d: padding_mode={padding_mode!r} is not supported; minigrad pads with "
                             "zeros only (padding_mode='zeros')")
        if groups < 1 or in_channels % groups or out_channels % groups:
            raise ValueError(f"Conv2d: groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        kh, kw = pair(kernel_size, "kernel_size", "Conv2d")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, (kh, kw)
        self.stride, self.dilation = pair(stride, "stride", "Conv2d"), pair(dilation, "dilation", "Conv2d")
        self.padding = padding if isinstance(padding, str) else pair(padding, "padding", "Conv2d")
        F.conv_padding(self.padding, self.kernel_size, self.dilation, self.stride, "Conv2d")  # fail early
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = Parameter(np.empty((out_channels, in_channels // groups, kh, kw), dtype=np.float32))
        self.bias = Parameter(np.empty(out_channels, dtype=np.float32)) if bias else None
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(in_channels // groups * kh * kw)
            init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups)

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding not in ((0, 0), "valid"):
            s += f", padding={self.padding!r}" if isinstance(self.padding, str) else f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        return s + ("" if self.bias is not None else ", bias=False")


class BatchNormBase(Module):
    """Learned scale (weight) and shift (bias) per channel, plus running statistics
    used in eval mode and updated (momentum 0.1) in training mode. As PyTorch's: affine=False
    learns neither, bias=False no shift; track_running_stats=False normalises with each batch's
    own statistics in eval mode too; momentum=None keeps the plain average of every batch so far."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.register_parameter("weight", Parameter(np.ones(num_features, np.float32)) if affine else None)
        self.register_parameter("bias", Parameter(np.zeros(num_features, np.float32)) if affine and bias else None)
        stats = track_running_stats
        self.register_buffer("running_mean", np.zeros(num_features, np.float32) if stats else None)
        self.register_buffer("running_var", np.ones(num_features, np.float32) if stats else None)
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64) if stats else None)
        if device is not None or dtype is not None:
            self.to(device=device, dtype=dtype)

    def forward(self, x):
        if x.ndim not in self.input_ndims:
            raise ValueError(f"expected {' or '.join(f'{n}D' for n in self.input_ndims)} input (got {x.ndim}D input)"
                             f" in {type(self).__name__}")
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.array += 1
            if self.momentum is None:  # the cumulative average: batch k weighs 1/k
                factor = 1.0 / float(self.num_batches_tracked.array)
        use_batch_stats = self.training or self.running_mean is None
        keep = not self.training or self.track_running_stats
        return F.batch_norm(x, self.running_mean if keep else None, self.running_var if keep else None,
                            self.weight, self.bias, training=use_batch_stats, momentum=factor, eps=self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class BatchNorm2d(BatchNormBase):
    input_ndims = (4,)


class BatchNorm1d(BatchNormBase):
    input_ndims = (2, 3)  # (N, C) or (N, C, L)


class LayerNorm(Module):
    """Normalise each sample over its last dimensions (normalized_shape), then an elementwise
    learned scale (ones) and shift (zeros)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", Parameter(np.ones(shape, np.float32)) if elementwise_affine else None)
        self.register_parameter("bias", Parameter(np.zeros(shape, np.float32))
                                if elementwise_affine and bias else None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """max(x, 0). `inplace=True` writes the result over the input and returns it, as PyTorch's
    (no new array: what torchvision's resnets use)."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.relu(x, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    def forward(self, x):
        return F.sigmoid(x)


class Tanh(Module):
    def forward(self, x):
        return F.tanh(x)


class MaxPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.dilation, self.ceil_mode = dilation, ceil_mode

    def forward(self, x):
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride if stride is not None else kernel_size, padding
        self.ceil_mode, self.count_include_pad = ceil_mode, count_include_pad

    def forward(self, x):
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, x):
        return F.adaptive_avg_pool2d(x, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(AdaptiveAvgPool2d):
    def forward(self, x):
        return F.adaptive_max_pool2d(x, self.output_size)




class Flatten(Module):
    """Merge dimensions start_dim..end_dim into one (by default all but the batch dimension)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
