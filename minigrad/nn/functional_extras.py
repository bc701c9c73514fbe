"""More of PyTorch's functional interface, each a composition of existing ops (so its gradient
comes with them): one_hot, normalize, embedding, layer_norm. Re-exported by functional.py."""
import numpy as np

from ..backend import get_array_module
from ..tensor import Tensor


def one_hot(tensor, num_classes=-1):
    """(..., ) class indices -> (..., num_classes) int64 rows of zeros with a one at the index;
    num_classes=-1 takes the largest index + 1, as PyTorch."""
    if tensor.array.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = get_array_module(tensor.array)
    labels = tensor.array.astype(np.int64)
    if labels.size and int(labels.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    top = int(labels.max()) + 1 if labels.size else 0
    if num_classes == -1:
        num_classes = top
    elif top > num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor(xp.arange(num_classes) == labels[..., None], dtype=np.int64)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over dim, eps): unit vectors along dim (cosine similarity's first step)."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported by minigrad; use the returned tensor")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


def embedding(input, weight, padding_idx=None):
    """Rows of weight picked by the integer indices in input: (...) -> (..., embedding_dim). The
    row at padding_idx gets no gradient, as PyTorch."""
    if input.array.dtype.kind not in "iu":
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got {input.dtype} instead")
    rows = weight[input]
    if padding_idx is None:
        return rows
    if padding_idx < 0:
        padding_idx += weight.shape[0]
    keep = (input != padding_idx).unsqueeze(-1)
    return rows.where(keep, rows.detach())  # same values; the padding row's gradient is zero


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
