"""Where values fall among sorted ones: searchsorted (the insertion places that keep a sorted
sequence sorted, along its last dimension) and bucketize (the bucket among boundaries), as
int64 (or int32) tensors without a gradient, with PyTorch's argument checks."""
from . import array_module, dtypes
from .tensor import Tensor


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Where each value of `input` would go in the sorted last dimension of `sorted_sequence` to keep
    it sorted: the first place i with value <= seq[i] (right=True / side='right': value < seq[i]).
    A 1-D sequence serves every value; otherwise its leading dims match input's, row by row."""
    if side not in (None, "left", "right"):
        raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
    if side is not None and (side == "right") != bool(right) and right:
        raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, got side of left while "
                           "right was True")
    right = right or side == "right"
    seq = sorted_sequence.array
    xp = array_module.get_array_module(seq)
    if sorter is not None:
        if tuple(sorter.shape) != seq.shape:
            raise RuntimeError(f"torch.searchsorted(): boundary and sorter must have the same size, but got boundary "
                               f"tensor {list(seq.shape)}and got sorter tensor {list(sorter.shape)}")
        seq = xp.take_along_axis(seq, sorter.array, axis=-1)
    values = input.array if isinstance(input, Tensor) else xp.asarray(input)
    if seq.ndim > 1 and values.ndim == 0:
        raise RuntimeError(f"torch.searchsorted(): input value can be a scalar only when boundaries tensor dimension "
                           f"is 1, but we got boundaries tensor dim({seq.ndim}) and input value's dim(0) numel(1)")
    if seq.ndim > 1 and (seq.shape[:-1] != values.shape[:-1] or seq.ndim != values.ndim):
        raise RuntimeError(f"torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions "
                           f"of boundaries tensor and input value tensor must match, but we got boundaries tensor "
                           f"{list(seq.shape)} and input value tensor {list(values.shape)}")
    if seq.ndim <= 1:
        index = xp.searchsorted(seq.reshape(-1), values, side="right" if right else "left")
    else:  # row by row: count the boundaries before each value (a NaN value goes after all of them)
        before = seq[..., None, :] <= values[..., None] if right else seq[..., None, :] < values[..., None]
        index = xp.where(xp.isnan(values), seq.shape[-1], before.sum(axis=-1))
    return Tensor._wrap(xp.asarray(index, dtype=dtypes.int32 if out_int32 else dtypes.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    """The bucket of each value among 1-D sorted `boundaries`: i with boundaries[i-1] < x <= boundaries[i]
    (right=True: boundaries[i-1] <= x < boundaries[i])."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)
