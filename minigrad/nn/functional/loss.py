"""Losses (`F.cross_entropy`, `F.nll_loss`, `F.mse_loss`, `F.huber_loss`...), with
`reduction='mean'|'sum'|'none'` as PyTorch: each calls one op of ops/nll_loss.py,
ops/losses_binary.py or ops/losses_regression.py; cross_entropy is nll_loss(log_softmax), the lecture's definition, or with
probability targets the same log loss against a whole distribution. The margin losses are in
loss_margin.py, the distribution losses (kl_div, poisson and gaussian nll) in loss_distribution.py."""
import warnings

import numpy as np

from ... import dtypes
from ...array_module import get_array_module
from ...ops.loss_checks import check_reduction, type_name
from ...ops.losses_binary import BCE, BCEWithLogits
from ...ops.nll_loss import NegativeLogLikelihood
from ...ops.losses_regression import L1, MSE, Huber, SmoothL1
from ...tensor import Tensor
from .activation import log_softmax


def _plain(value):
    """Class targets and weights reach the loss ops as arrays (or lists, or None), never as Tensors."""
    return value.array if isinstance(value, Tensor) else value


def _binary_target(target, input):
    """A binary loss's target: a Tensor as it is (its dtype checked as PyTorch, its gradient kept);
    an array or a list (minigrad's convenience) in the input's dtype, as minigrad.tensor makes floats."""
    if isinstance(target, Tensor):
        return target
    return target.astype(input.dtype) if hasattr(target, "astype") else np.asarray(target, dtype=input.dtype)


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
    if isinstance(weight, Tensor) and weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {type_name(input.dtype)} but found {type_name(weight.dtype)}")
    return NegativeLogLikelihood.apply(input, target=_plain(target), weight=_plain(weight), ignore_index=ignore_index,
                                       reduction=legacy_reduction(size_average, reduce, reduction))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """The log loss: nll_loss(log_softmax(input, dim=1)), stable for large logits. The classes are
    dim 1 ((N, C) or (N, C, d1, ...)), or dim 0 of one unbatched sample (C,).

    Its gradient, the lecture's: with p = softmax(x) and y the one-hot target, the mean over N rows
    of -log p[n, y_n] has d loss / d x = (p - y) / N. The two ops' backwards compose to exactly that:
    nll_loss's gives g = -y / N (-1/N at each row's target), and log_softmax's turns it into
    g - p * sum(g) = -y / N + p / N.

    A target of the input's own shape holds class probabilities (soft labels) instead of indices:
    loss_n = -sum_c w_c target[n, c] log softmax(input)[n, c], and 'mean' divides by N (times the
    positions d1...), not by the weights.

    label_smoothing = e mixes in the loss against a uniform target, as PyTorch: with indices,
    (1 - e) * nll_loss + e / C * sum_c -w_c log p_c (reduced the same way, ignored targets excluded);
    with probabilities, the target becomes (1 - e) target + e / C."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("cross_entropy", reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    class_dim = 1 if input.ndim >= 2 else 0
    log_probs = log_softmax(input, dim=class_dim)
    if isinstance(target, Tensor) and target.shape == input.shape:
        return _cross_entropy_probabilities(log_probs, target, weight, ignore_index, reduction, label_smoothing,
                                            class_dim)
    loss = nll_loss(log_probs, target, weight, None, ignore_index, None, reduction)
    if not label_smoothing:
        return loss
    if getattr(target, "dtype", None) == np.uint8 and weight is not None and reduction == "mean":
        # PyTorch's weighted mean of the smoothing term gathers the weights with the target
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    return loss * (1 - label_smoothing) + _smoothing_term(log_probs, target, weight, ignore_index, reduction,
                                                          class_dim) * (label_smoothing / input.shape[class_dim])


def _class_weights(weight, log_probs, class_dim):
    """The class weights shaped to broadcast along the class dim: (1, C, 1, ...), or (C,)."""
    shape = [1] * log_probs.ndim
    shape[class_dim] = -1
    return weight.reshape(shape) if isinstance(weight, Tensor) else Tensor(weight).reshape(shape)


def _smoothing_term(log_probs, target, weight, ignore_index, reduction, class_dim):
    """sum_c -w_c log p_c per sample, 0 (and no gradient) for ignored targets, reduced as nll_loss:
    'mean' divides by the total weight of the targets that count."""
    xp = get_array_module(log_probs.array)
    target = xp.asarray(_plain(target))
    ignored = Tensor(target == ignore_index, dtype=bool)
    weighted = log_probs if weight is None else log_probs * _class_weights(weight, log_probs, class_dim)
    smooth = (-weighted.sum(dim=class_dim)).masked_fill(ignored, 0.0)  # even where log p = -inf
    if reduction == "sum":
        return smooth.sum()
    if reduction == "none":
        return smooth
    counted = target[target != ignore_index]
    total = counted.size if weight is None else xp.asarray(_plain(weight))[counted].sum()
    return smooth.sum() / total  # every target ignored: 0 / 0 = nan, as PyTorch


def _cross_entropy_probabilities(log_probs, target, weight, ignore_index, reduction, label_smoothing, class_dim):
    """-sum_c w_c target_c log p_c per sample; the gradient reaches the target too, as PyTorch's."""
    if target.array.dtype.kind != "f":
        raise RuntimeError(f"Expected floating point type for target with class probabilities, got "
                           f"{type_name(target.dtype)}")
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    classes = log_probs.shape[class_dim]
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all {classes} classes or no "
                           f"classes but got weight tensor of shape: {list(weight.shape)}")
    if label_smoothing > 0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    products = log_probs * target
    if weight is not None:
        products = products * _class_weights(weight, log_probs, class_dim)
    if reduction == "none":
        return -products.sum(dim=class_dim)
    if reduction == "sum":
        return -products.sum()
    samples = log_probs.numel() // classes if classes else 0
    return -products.sum() / samples if samples else -products.sum() * float("nan")  # empty: nan, as PyTorch


def _common_dtype(name, kernel, input, target, reduction):
    """input and target in their common dtype, promoted as PyTorch does (a float32 input and an int64
    target give float32, not numpy's float64); integer pairs refused as PyTorch's kernels refuse them
    (l1_loss alone sums integers). An array or list target (minigrad's convenience) takes the input's dtype.
    PyTorch broadcasts the two (broadcast_tensors) before its kernel promotes them, so a 0-d target
    beside a 1-d input counts as a tensor with dimensions: float32 and a 0-d float64 give float64."""
    if not isinstance(target, Tensor):
        return input, _binary_target(target, input)
    dtype = dtypes.result_type([input.dtype, target.dtype], [], [])
    if dtype.kind == "f":
        return input.to(dtype), target.to(dtype)
    if name != "l1_loss":
        raise NotImplementedError(f"\"{kernel}_{input.device}\" not implemented for '{type_name(dtype)}'")
    if reduction == "mean":
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point or "
                           f"complex dtype. Got: {type_name(dtype)}")
    return input, target


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced (times weight, whose sum 'mean' then divides by). Shapes that
    differ but broadcast warn, as PyTorch."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _common_dtype("mse_loss", "mse", input, target, reduction)
    return MSE.apply(input, target, reduction=reduction, weight=_plain(weight))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced (weighted as mse_loss)."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _common_dtype("l1_loss", "l1", input, target, reduction)
    return L1.apply(input, target, reduction=reduction, weight=_plain(weight))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target), reduced."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    reduction = legacy_reduction(size_average, reduce, reduction)
    input, target = _common_dtype("smooth_l1_loss", "smooth_l1", input, target, reduction)
    return SmoothL1.apply(input, target, reduction=reduction, beta=beta)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) on probabilities p (logs clamped at -100, as PyTorch); the
    target gets a gradient too when it requires one."""
    return BCE.apply(input, _binary_target(target, input), weight=_plain(weight),
                     reduction=legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the raw scores."""
    return BCEWithLogits.apply(input, _binary_target(target, input), weight=_plain(weight),
                               pos_weight=_plain(pos_weight),
                               reduction=legacy_reduction(size_average, reduce, reduction))


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """d^2 / 2 where |d| < delta, else delta (|d| - delta / 2), d = input - target: mse near 0, l1
    (times delta) far away. A weighted 'mean' divides by the number of elements, as PyTorch."""
    check_reduction("huber_loss", reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if isinstance(target, Tensor) and not input.is_floating_point() and target.is_floating_point():
        raise RuntimeError(f"result type {type_name(target.dtype)} can't be cast to the desired output type "
                           f"{type_name(input.dtype)}")
    out_dtype = input.dtype  # PyTorch's huber kernel writes the input's dtype (float32 beside a float64 target)
    other = target.dtype if isinstance(target, Tensor) else out_dtype
    input_grad = input.requires_grad
    input, target = _common_dtype("huber_loss", "huber", input, target, reduction)
    if other == out_dtype:
        return Huber.apply(input, target, reduction=reduction, delta=delta, weight=_plain(weight))
    # dtypes that differ: PyTorch's forward runs, its backward refuses the other gradient's dtype
    found, expected = (other, out_dtype) if input_grad else (out_dtype, other)
    loss = Huber.apply(input, target, reduction="none", delta=delta, weight=_plain(weight),
                       backward_error=f"Found dtype {type_name(found)} but expected {type_name(expected)}").to(out_dtype)
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss
