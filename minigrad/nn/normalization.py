"""Normalisation layers (PyTorch's nn.BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm1d/2d): each
normalises to mean 0 and variance 1 over some dimensions, then applies a learned scale (weight,
ones) and shift (bias, zeros). They differ in what they average over:

    BatchNorm     each channel, over the batch and the pixels (running statistics for eval)
    LayerNorm     each sample, over its last dimensions (normalized_shape)
    GroupNorm     each sample, over groups of channels and their pixels
    InstanceNorm  each sample and channel, over its own pixels
    RMSNorm       each sample, over its last dimensions, by the root mean square only (no mean)
LocalResponseNorm divides each value by its neighbouring channels' squares, as AlexNet did.

The functions are in nn/functional/normalization.py, batch norm's op in ops/normalization.py."""
import warnings

import numpy as np

from . import functional as F
from .factory import empty_array, empty_parameter
from .module import Module


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
        shape = (num_features,)
        self.register_parameter("weight", empty_parameter(shape, device, dtype, fill=1) if affine else None)
        self.register_parameter("bias", empty_parameter(shape, device, dtype) if affine and bias else None)
        stats = track_running_stats
        self.register_buffer("running_mean", empty_array(shape, device, dtype) if stats else None)
        self.register_buffer("running_var", empty_array(shape, device, dtype, fill=1) if stats else None)
        self.register_buffer("num_batches_tracked", np.zeros((), np.int64) if stats else None)
        if device is not None:
            self.to(device=device)  # the int64 counter too

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


class InstanceNormBase(BatchNormBase):
    """Each sample's channels normalised over their own pixels (F.instance_norm). As PyTorch's:
    affine=False and track_running_stats=False by default; one sample without a batch dimension
    is a batch of one; num_batches_tracked is kept but never counted."""
    spatial = 1

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        one_sample = self.spatial + 1
        if input.ndim not in (one_sample, one_sample + 1):
            raise ValueError(f"expected {one_sample}D or {one_sample + 1}D input (got {input.ndim}D input)")
        channel_dim = input.ndim - one_sample
        if input.shape[channel_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={channel_dim} to match num_features "
                                 f"({self.num_features}), but got: {input.shape[channel_dim]}.")
            warnings.warn(f"input's size at dim={channel_dim} does not match num_features. You can silence this "
                          "warning by not passing in num_features, which is not used because affine=False",
                          UserWarning, stacklevel=2)
        if input.ndim == one_sample:
            return self.forward(input.unsqueeze(0)).squeeze(0)
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                               self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)


class InstanceNorm1d(InstanceNormBase):
    spatial = 1


class InstanceNorm2d(InstanceNormBase):
    spatial = 2


class LayerNorm(Module):
    """Normalise each sample over its last dimensions (normalized_shape), then an elementwise
    learned scale (ones) and shift (zeros)."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", empty_parameter(shape, device, dtype, fill=1) if elementwise_affine else None)
        self.register_parameter("bias", empty_parameter(shape, device, dtype) if elementwise_affine and bias else None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """Normalise each sample over groups of num_channels // num_groups channels (and their pixels),
    then a learned scale (ones) and shift (zeros) per channel."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups, self.num_channels, self.eps, self.affine = num_groups, num_channels, eps, affine
        self.register_parameter("weight", empty_parameter((num_channels,), device, dtype, fill=1) if affine else None)
        self.register_parameter("bias", empty_parameter((num_channels,), device, dtype) if affine and bias else None)

    def forward(self, input):
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
                f"bias={self.bias is not None}")


class RMSNorm(Module):
    """x / sqrt(mean(x^2) + eps) over the last dimensions (normalized_shape), times a learned scale
    (ones); eps None means the dtype's machine epsilon."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        self.normalized_shape, self.eps, self.elementwise_affine = shape, eps, elementwise_affine
        self.register_parameter("weight", empty_parameter(shape, device, dtype, fill=1) if elementwise_affine else None)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """x / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta (AlexNet's)."""

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x):
        return F.local_response_norm(x, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
