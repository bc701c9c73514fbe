"""Losses between probability distributions (`F.kl_div`, `F.poisson_nll_loss`, `F.gaussian_nll_loss`):
the negative log-likelihood of the target under a distribution the network predicts, or the KL
divergence from the target's distribution. kl_div calls ops/losses_distribution.py; the two
likelihoods are compositions of tensor ops, as PyTorch writes them."""
import math
import warnings

from ...autograd import no_grad
from ...ops.loss_checks import check_reduction
from ...ops.losses_distribution import KLDiv
from .loss import legacy_reduction


def apply_loss_reduction(loss, reduction):
    """PyTorch's apply_loss_reduction: the mean over all elements, the sum, or the elements."""
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """sum target (log target - input), input holding log-probabilities (log_softmax's output).
    'batchmean' divides the sum by the batch size (the KL divergence per sample, its mathematical
    definition); 'mean' divides by the number of elements, and warns as PyTorch does."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    elif reduction == "mean":
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      UserWarning, stacklevel=2)
    if input.array.dtype.kind != "f" or target.array.dtype.kind != "f":
        raise RuntimeError("kl_div: Integral inputs not supported.")
    input, target = input._promote(target)  # as PyTorch's ops: a 0-d tensor doesn't raise one with dimensions
    loss = KLDiv.apply(input, target, reduction="sum" if reduction == "batchmean" else reduction,
                       log_target=log_target)
    if reduction == "batchmean" and input.ndim != 0:
        loss = loss / input.shape[0]
    return loss


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction="mean"):
    """The negative log-likelihood of target ~ Poisson(rate), up to a constant:
    rate - target log rate, with rate = e^input (log_input) or input (+ eps inside the log).
    full=True adds Stirling's approximation of log(target!) where target > 1."""
    if size_average is not None or reduce is not None:
        reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction("poisson_nll_loss", reduction)
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return apply_loss_reduction(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """The negative log-likelihood of target ~ N(input, var), up to a constant:
    (log var + (input - target)^2 / var) / 2, with var clamped at eps for stability. As PyTorch,
    the clamp happens outside the graph, so var's gradient is the unclamped formula's.
    var: the input's shape, or one dimension short (one variance per sample), or 1 where the
    input is not (a shared variance), or a number."""
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * input.new_ones(input.shape)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if var.shape != input.shape:
        if input.shape[:-1] == var.shape:
            var = var.unsqueeze(-1)  # one variance per sample: broadcast over the last dim
        elif not (input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return apply_loss_reduction(loss, reduction)
