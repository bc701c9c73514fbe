"""Functions of class indices (`F.one_hot`, `F.embedding`): compositions of tensor ops."""
import numpy as np

from ...backend import get_array_module
from ...tensor import Tensor


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
