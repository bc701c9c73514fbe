"""SyncBatchNorm: batch normalisation whose statistics come from the combined batch of all ranks.

Plain batch norm in data-parallel training normalises each rank's mini-batch by its
own mean and variance: with 2 ranks x 16 images that is two batches of 16, not one
of 32, and the model trains differently from one process with batch 32 (it matters
when the per-rank batch is small). SyncBatchNorm all-reduces what the statistics
are made of, per channel: the sum, the sum of squares and the count,

    mean = sum(x) / n,    var = sum(x^2) / n - mean^2     (n: values per channel on all ranks)

(in float64, so the subtraction loses nothing that matters). The backward needs two
more sums over the combined batch, of the upstream gradient g and of g * xhat:

    dx = weight / sqrt(var + eps) * (g - sum(g) / n - xhat * sum(g * xhat) / n)

while d weight = sum(g * xhat) and d bias = sum(g) stay per rank, as PyTorch's:
DistributedDataParallel averages them with every other parameter's gradient.
In eval mode (running statistics) it is plain batch norm; alone (world size 1) it
is plain batch norm computed this way.
"""
import numpy as np

from ..array_module import get_array_module
from ..nn import functional as F
from ..nn.normalization import BatchNormBase
from ..ops.normalization import channel_axes, per_channel
from ..autograd import Function
from . import group


class SyncBatchNormFunction(Function):
    op = "sync_batch_norm"

    def forward(self, x, weight, bias, running_mean=None, running_var=None, momentum=0.1, eps=1e-5, process_group=None):
        xp, c, axes = get_array_module(x), x.shape[1], channel_axes(x)
        self.group, self.axes = process_group, axes
        stats = xp.concatenate([x.sum(axis=axes, dtype=np.float64), (x * x).sum(axis=axes, dtype=np.float64),
                                xp.full(1, x.size // c, dtype=np.float64)])
        process_group.all_reduce(stats)
        n = float(stats[-1])
        if n < 2:
            raise ValueError(f"SyncBatchNorm: training needs more than one value per channel over all ranks, "
                             f"got input shape {tuple(x.shape)}")
        mean = stats[:c] / n
        var = xp.maximum(stats[c:2 * c] / n - mean * mean, 0)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype)
        if running_var is not None:  # the unbiased estimate over the combined batch, as PyTorch
            running_var *= 1 - momentum
            running_var += (momentum * n / (n - 1) * var).astype(running_var.dtype)
        inv_std = (1 / xp.sqrt(var + eps)).astype(x.dtype)
        xhat = (x - per_channel(mean.astype(x.dtype), x)) * per_channel(inv_std, x)
        self.count = n
        self.save_for_backward(xhat, inv_std, weight)
        return xhat * per_channel(weight, x) + per_channel(bias, x)

    def backward(self, grad):
        xhat, inv_std, weight = self.saved
        xp, c = get_array_module(grad), grad.shape[1]
        gb = grad.sum(axis=self.axes)
        gw = (grad * xhat).sum(axis=self.axes)
        gx = None
        if self.needs_input_grad[0]:  # every rank's sums, for the statistics' share of dx
            sums = xp.concatenate([gb, gw]).astype(np.float64)
            self.group.all_reduce(sums)
            sum_g, sum_gx = sums[:c].astype(grad.dtype), sums[c:].astype(grad.dtype)
            scale = inv_std * weight
            gx = grad - per_channel(sum_g / self.count, grad)
            gx -= xhat * per_channel(sum_gx / self.count, grad)
            gx *= per_channel(scale, grad)
        return gx, gw, gb


class SyncBatchNorm(BatchNormBase):
    """BatchNorm over the combined batch of every rank (input (N, C, ...), any number of trailing dims)."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 process_group=None, device=None, dtype=None):
        if not (affine and track_running_stats and momentum is not None):
            raise NotImplementedError("SyncBatchNorm: minigrad supports affine=True, track_running_stats=True and "
                                      "a numeric momentum only")
        super().__init__(num_features, eps, momentum, device=device, dtype=dtype)
        object.__setattr__(self, "process_group", process_group)

    def forward(self, x):
        if x.ndim < 2:
            raise ValueError(f"SyncBatchNorm: expected an input of at least 2 dimensions (batch, channels, ...), "
                             f"got shape {tuple(x.shape)}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"SyncBatchNorm: the layer has {self.num_features} channels, the input {x.shape[1]} "
                             f"(shape {tuple(x.shape)})")
        if not self.training:
            return F.batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                                training=False, momentum=self.momentum, eps=self.eps)
        self.num_batches_tracked.array += 1
        return SyncBatchNormFunction.apply(x, self.weight, self.bias, running_mean=self.running_mean.array,
                                           running_var=self.running_var.array, momentum=self.momentum,
                                           eps=self.eps, process_group=self.process_group or group.group())

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """PyTorch's spelling: see convert_sync_batchnorm."""
        return convert_sync_batchnorm(module, process_group)


def convert_sync_batchnorm(module, process_group=None):
    """Replace every BatchNorm1d/2d in `module` by a SyncBatchNorm that shares its weight, bias and
    running statistics (the same Tensors), keeping train/eval mode; returns the converted module."""
    if isinstance(module, BatchNormBase) and not isinstance(module, SyncBatchNorm):
        if module.weight is not None and module.bias is None:
            raise NotImplementedError("convert_sync_batchnorm: a batch norm with bias=False is not supported")
        sync = SyncBatchNorm(module.num_features, module.eps, module.momentum, module.affine,
                             module.track_running_stats, process_group=process_group)
        sync.weight, sync.bias = module.weight, module.bias
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            setattr(sync, name, getattr(module, name))
        sync.training = module.training
        return sync
    for name, child in list(module.named_children()):
        converted = convert_sync_batchnorm(child, process_group)
        if converted is not child:  # in place in the registry: a Sequential keeps its order
            module._modules[name] = converted
            object.__setattr__(module, name, converted)
    return module
