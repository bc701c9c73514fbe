"""Functions of class indices (`F.one_hot`, `F.embedding`): compositions of tensor ops, with PyTorch's
checks (an index outside the table is an error, never a wrap-around to the other end)."""
import numpy as np

from ...autograd import no_grad
from ...array_module import get_array_module
from ...tensor import Tensor

_INDEX_TYPES = {"int8": "CharTensor", "int16": "ShortTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
                "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor"}


def one_hot(tensor, num_classes=-1):
    """(...) int64 class indices -> (..., num_classes) int64 rows of zeros with a one at the index;
    num_classes=-1 takes the largest index + 1, as PyTorch."""
    if tensor.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    xp = get_array_module(tensor.array)
    labels = tensor.array
    if num_classes <= 0 and labels.size == 0:  # PyTorch infers the count from an empty tensor for any n <= 0
        raise RuntimeError("Can not infer total number of classes from empty tensor.")
    if labels.size and int(labels.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    top = int(labels.max()) + 1 if labels.size else 0
    if num_classes == -1:
        num_classes = top
    elif top > num_classes or (labels.size and num_classes < 0):
        raise RuntimeError("Class values must be smaller than num_classes.")
    return Tensor(xp.arange(num_classes) == labels[..., None], dtype=np.int64)


def _check_indices(input, weight):
    kind = str(input.dtype)
    if kind not in ("int64", "int32"):
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{_INDEX_TYPES.get(kind, kind)} instead (while checking "
                           "arguments for embedding)")
    if weight.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    indices = input.array
    if indices.size and (int(indices.min()) < 0 or int(indices.max()) >= weight.shape[0]):
        raise IndexError(f"index out of range in self (embedding: indices must be in [0, {weight.shape[0] - 1}] for "
                         f"a table of {weight.shape[0]} rows, got values from {int(indices.min())} to "
                         f"{int(indices.max())})")


def _renorm_(weight, indices, max_norm, norm_type):
    """PyTorch's embedding_renorm_: each row looked up whose norm exceeds max_norm is scaled, in
    place and outside the graph, to norm max_norm (times max_norm / (norm + 1e-7))."""
    xp = get_array_module(weight.array)
    rows = xp.unique(indices.reshape(-1))
    with no_grad():
        norms = weight[Tensor(rows, dtype=np.int64)].norm(norm_type, dim=1, keepdim=True)
        scale = (max_norm / (norms + 1e-7)).where(norms > max_norm, norms.new_ones(norms.shape))
        weight[Tensor(rows, dtype=np.int64)] = weight[Tensor(rows, dtype=np.int64)] * scale


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """Rows of weight picked by the integer indices in input: (...) -> (..., embedding_dim). The row
    at padding_idx gets no gradient; max_norm renormalises the rows looked up, in place (as PyTorch);
    scale_grad_by_freq divides each row's gradient by how often its index appears in input."""
    _check_indices(input, weight)
    if padding_idx is not None:
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx = padding_idx % weight.shape[0]
    if sparse:
        raise NotImplementedError("embedding(sparse=True): minigrad has no sparse gradients; use sparse=False (the "
                                  "same values, as a dense gradient)")
    if max_norm is not None:
        _renorm_(weight, input.array, max_norm, norm_type)
    # index_select always copies (weight[input] with a 0-d index would be a view of the table)
    rows = weight.index_select(0, input.reshape(-1)).reshape(tuple(input.shape) + (weight.shape[1],))
    if padding_idx is not None:
        keep = (input != padding_idx).unsqueeze(-1)
        rows = rows.where(keep, rows.detach())  # same values; the padding row's gradient is zero
    if scale_grad_by_freq and rows.requires_grad:
        xp = get_array_module(input.array)
        _, inverse, counts = xp.unique(input.array.reshape(-1), return_inverse=True, return_counts=True)
        per_position = Tensor(counts[inverse].reshape(input.shape + (1,)), dtype=rows.dtype)
        rows.register_hook(lambda grad: grad / per_position)
    return rows
