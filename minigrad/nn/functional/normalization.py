"""Normalisation (`F.batch_norm`, `F.layer_norm`, `F.normalize`): batch norm is the op of
ops/normalization.py (or its fast twin); layer_norm and normalize are compositions of tensor ops,
so their gradients come with them."""
from ...backend import get_array_module
from ...ops import normalization
from ...ops.fast import normalization as fast_normalization
from ...ops.versions import pick
from ...tensor import Tensor


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
    inputs = (x,) if weight is None else (x, weight, bias)
    op = pick(normalization.BatchNorm, fast_normalization.BatchNorm)
    return op.apply(*inputs, running_mean=_array(running_mean), running_var=_array(running_var),
                    training=training, momentum=momentum, eps=eps)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last len(normalized_shape) dimensions of each sample (mean 0, variance 1,
    the biased variance), then scale and shift elementwise."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape [*, "
                           f"{', '.join(map(str, shape))}], but got input of size{list(input.shape)}")
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    centered = input - input.mean(dims, keepdim=True)
    out = centered / ((centered * centered).mean(dims, keepdim=True) + eps).sqrt()
    if weight is not None:
        out = out * weight
    return out + bias if bias is not None else out


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over dim, eps): unit vectors along dim (cosine similarity's first step)."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported by minigrad; use the returned tensor")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)
