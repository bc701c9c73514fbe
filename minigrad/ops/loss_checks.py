"""What every loss shares (a first reading may skip this file): PyTorch's `reduction` ('mean', the
default, 'sum' or 'none') and its gradient, and PyTorch's checks of a classification target
(class indices in range, shapes, dtype), with PyTorch's errors."""
import numpy as np

from .. import dtypes
from ..array_module import to_device


REDUCTIONS = ("mean", "sum", "none")


def check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction ({name}: reduction must be 'mean', "
                         f"'sum' or 'none', got {reduction!r})")


def as_array(value, device):
    """Targets and weights as an array on the input's device (an array or a list; nn/functional
    passes a Tensor's array)."""
    return to_device(value if hasattr(value, "shape") else np.asarray(value), device)


def reduce_loss(loss, reduction):
    return loss.sum() if reduction == "sum" else loss.mean() if reduction == "mean" else loss


def reduced_grad(grad, shape, reduction, xp):
    """The upstream gradient of each element of the unreduced loss."""
    if reduction == "none":
        return grad
    count = int(np.prod(shape)) if reduction == "mean" else 1
    return xp.broadcast_to(grad / count, shape)


def type_name(dtype):
    """PyTorch's name of a dtype in its errors: 'Long', 'Int', 'Float'..."""
    return dtypes.LEGACY_TYPES.get(dtype, "Tensor")[:-len("Tensor")] or str(dtype)


def check_classes(target, classes, ignore_index):
    """Every target a class index in [0, classes) or ignore_index. Checked where the target
    lives: a target still on the host (the usual case: labels from a DataLoader) costs the
    GPU nothing, one already on the GPU costs one wait for it (PyTorch checks there instead,
    with an assert inside the kernel)."""
    bad = (target != ignore_index) & ((target < 0) | (target >= classes))
    if bad.any():
        valid = target[target != ignore_index]
        first = int(target.reshape(-1)[bad.reshape(-1).argmax()])
        raise IndexError(f"Target {first} is out of bounds. nll_loss: target values must be class indices in "
                         f"[0, {classes - 1}] (or ignore_index={ignore_index}), got values from {int(valid.min())} "
                         f"to {int(valid.max())}")


def check_nll_shapes(log_probs, target):
    """PyTorch's checks of an (N, C, d1, ...) input against its (N, d1, ...) class-index target
    (or a (C,) input against a 0-d target), with its errors."""
    if log_probs.ndim == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if log_probs.ndim == 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if log_probs.dtype.kind != "f":
        raise NotImplementedError(f"\"nll_loss_out_frame\" not implemented for '{type_name(log_probs.dtype)}'")
    batch = log_probs.shape[0] if log_probs.ndim > 1 else 1
    if log_probs.ndim == 1:  # one unbatched sample: one class index
        if target.ndim > 1 or target.size != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif (target.shape[0] if target.ndim else 0) != batch:
        raise ValueError(f"Expected input batch_size ({batch}) to match target batch_size "
                         f"({target.shape[0] if target.ndim else 0}).")
    if target.dtype != np.int64 and target.dtype != np.uint8:
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {type_name(target.dtype)} (the "
                           "target holds integer class indices, int64: convert with target.long())")
    expected = (batch,) + log_probs.shape[2:]
    if log_probs.ndim > 2 and target.shape != expected:
        raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")


def check_nll_arguments(log_probs, target, weight, ignore_index, reduction):
    """All of PyTorch's checks of nll_loss's arguments, with its errors. Returns the error its backward
    must raise (a uint8 target of an empty (N, C, d1, ...) batch, reduced), or None."""
    check_reduction("nll_loss", reduction)
    check_nll_shapes(log_probs, target)
    backward_error = None
    if target.dtype == np.uint8 and log_probs.ndim > 2:  # PyTorch's kernel for (N, C, d1, ...) reads int64 only
        backward_error = "expected scalar type Long but found Byte"
        if log_probs.size or reduction == "none":  # (an empty batch reduced fails in backward only)
            raise RuntimeError(backward_error)
    if log_probs.ndim == 1 and reduction == "none" and target.ndim == 1:
        raise RuntimeError(f"size mismatch (got input: {list(log_probs.shape)}, target: {list(target.shape)})")
    classes = log_probs.shape[1] if log_probs.ndim > 1 else log_probs.shape[0]
    if weight is not None and tuple(getattr(weight, "shape", np.shape(weight))) != (classes,):
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes "
                           f"but got weight tensor of shape: {list(np.shape(weight))} (nll_loss: weight must "
                           f"have one entry per class, shape ({classes},))")
    check_classes(target.reshape(1) if log_probs.ndim == 1 else target, classes, ignore_index)
    return backward_error
