"""Losses (`F.cross_entropy`, `F.nll_loss`, `F.mse_loss`...), with `reduction='mean'|'sum'|'none'` as
PyTorch: each calls one op of ops/losses.py; cross_entropy is nll_loss(log_softmax), the lecture's
definition."""
import warnings

from ...backend import get_array_module
from ...ops.losses import BCE, L1, MSE, BCEWithLogits, NLLLoss, SmoothL1
from ...tensor import Tensor
from .activation import log_softmax


def _plain(value):
    """Targets and weights reach the loss ops as arrays (or lists, or None), never as Tensors."""
    return value.array if isinstance(value, Tensor) else value


def legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce flags, translated as PyTorch does."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='mean'|'sum'|'none' "
                  "instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else "mean" if size_average else "sum"


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-input[n, target[n]] per sample (times weight[target[n]]), reduced; target holds class indices.
    'mean' divides by the total weight of the non-ignored targets."""
    return NLLLoss.apply(input, target=_plain(target), weight=_plain(weight), ignore_index=ignore_index,
                         reduction=legacy_reduction(size_average, reduce, reduction))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """The log loss: nll_loss(log_softmax(input, dim=1)), stable for large logits.

    label_smoothing = e mixes in the loss against a uniform target, as PyTorch:
    (1 - e) * nll_loss + e / C * sum_c -w_c log p_c (reduced the same way, ignored targets excluded)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    log_probs = log_softmax(input, dim=1)
    loss = nll_loss(log_probs, target, weight, None, ignore_index, None, reduction)
    if not label_smoothing:
        return loss
    xp = get_array_module(input.array)
    classes = input.shape[1]
    target = xp.asarray(_plain(target))
    valid = target != ignore_index
    w = None if weight is None else xp.asarray(_plain(weight), dtype=input.dtype)
    if w is None:
        smooth = -log_probs.sum(dim=1)
    else:  # the class weights along dim 1, broadcast over the batch and any spatial dimensions
        smooth = -(log_probs * w.reshape((1, classes) + (1,) * (input.ndim - 2))).sum(dim=1)
    smooth = smooth * valid.astype(input.dtype)  # ignored targets add nothing
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        total = valid.sum() if w is None else w[target[valid]].sum()
        smooth = smooth.sum() / float(total)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced (times weight, whose sum 'mean' then divides by). Shapes that
    differ but broadcast warn, as PyTorch."""
    return MSE.apply(input, target, reduction=legacy_reduction(size_average, reduce, reduction), weight=_plain(weight))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced (weighted as mse_loss)."""
    return L1.apply(input, target, reduction=legacy_reduction(size_average, reduce, reduction), weight=_plain(weight))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target), reduced."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    return SmoothL1.apply(input, target, reduction=legacy_reduction(size_average, reduce, reduction), beta=beta)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) on probabilities p (logs clamped at -100, as PyTorch)."""
    return BCE.apply(input, target=_plain(target), weight=_plain(weight),
                     reduction=legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the raw scores."""
    return BCEWithLogits.apply(input, target=_plain(target), weight=_plain(weight), pos_weight=_plain(pos_weight),
                               reduction=legacy_reduction(size_average, reduce, reduction))
