"""Margin losses (`F.margin_ranking_loss`, `F.hinge_embedding_loss`, `F.soft_margin_loss`,
`F.cosine_embedding_loss`, `F.triplet_margin_loss`, `F.multi_margin_loss`...): a pair or a triplet
is penalised only when it sits on the wrong side of a margin, max(0, margin - score). Each is the
composition of tensor ops PyTorch itself uses, so the gradient at the margin (clamp_min passes it
at exactly 0) is its own; multi_margin_loss, a kernel in PyTorch, passes none there (relu).
Siamese networks and metric learning use them: pull matching pairs together, push others apart."""
from ... import dtypes
from ...factories import arange
from ...ops.loss_checks import check_reduction
from ...ops.broadcast_errors import check_broadcasts_into
from ...tensor_special import scalar_name
from .activation import logsigmoid
from .distance import pairwise_distance
from .loss import legacy_reduction


def _reduction(name, size_average, reduce, reduction):
    reduction = legacy_reduction(size_average, reduce, reduction)
    check_reduction(name, reduction)
    return reduction


def _reduce(loss, reduction):
    """PyTorch's apply_loss_reduction: the mean over all elements (nan when empty), the sum, or none."""
    return loss.mean() if reduction == "mean" else loss.sum() if reduction == "sum" else loss


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """max(0, -y (x1 - x2) + margin): y = 1 says x1 should rank higher than x2 by the margin, y = -1 lower."""
    reduction = _reduction("margin_ranking_loss", size_average, reduce, reduction)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {input1.size()}, input2: {input2.size()}, target: {target.size()} ")
    return _reduce((-target * (input1 - input2) + margin).clamp_min(0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction="mean"):
    """x where y = 1 (a distance to shrink), max(0, margin - x) where y = -1 (one to grow past the margin)."""
    reduction = _reduction("hinge_embedding_loss", size_average, reduce, reduction)
    zeros = input.new_zeros(input.shape)
    beyond_margin = (margin - input).clamp_min(0).where(target != 1, zeros)
    return _reduce(beyond_margin + input.where(target != -1, zeros), reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """log(1 + e^{-y x}): the logistic loss of a score x for a label y in {1, -1}. As PyTorch's kernel,
    which writes -x, then * y, e^ and log1p into a tensor like the input: the result has the input's
    shape and dtype (a target may broadcast to it), and the target gets no gradient."""
    reduction = _reduction("soft_margin_loss", size_average, reduce, reduction)
    if target.requires_grad:
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect to argument 'target'. "
                           "This input cannot have requires_grad True.")
    if input.dtype == dtypes.bool:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
                           "a mask, use the `~` or `logical_not()` operator instead.")
    if not dtypes.is_floating_point(input.dtype):  # e^ of an integer product is a float
        product = dtypes.result_type([input.dtype, target.dtype], [], [])
        raise RuntimeError(f"result type {scalar_name(product if product.kind == 'f' else dtypes.float32)} can't be "
                           f"cast to the desired output type {scalar_name(input.dtype)}")
    check_broadcasts_into(target.shape, input.shape)  # the loss keeps input's shape, as PyTorch's
    return _reduce((-input * target).to(input.dtype).exp().log1p(), reduction)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None, reduction="mean"):
    """1 - cos(x1, x2) where y = 1 (make them point the same way), max(0, cos(x1, x2) - margin) where
    y = -1 (apart). cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12)) over the last dim."""
    reduction = _reduction("cosine_embedding_loss", size_average, reduce, reduction)
    if target.ndim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    wanted = 2 if target.ndim == 1 else 1
    if input1.ndim != wanted or input2.ndim != wanted:
        raise RuntimeError(f"{target.ndim}D target tensor expects {wanted}D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    dim = target.ndim
    epsilon = 1e-12
    cos = (input1 * input2).sum(dim) / (((input1 * input1).sum(dim) + epsilon)
                                        * ((input2 * input2).sum(dim) + epsilon)).sqrt()
    zeros = cos.new_zeros(cos.shape)
    loss = (1 - cos).where(target == 1, zeros) + (cos - margin).clamp_min(0).where(target == -1, zeros)
    return _reduce(loss, reduction)


def _same_ndim(anchor, positive, negative):
    if not anchor.ndim == positive.ndim == negative.ndim:
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction="mean"):
    """max(0, d(a, p) - d(a, n) + margin), d the pairwise p-norm distance: the anchor should be
    nearer the positive than the negative by the margin. swap=True uses d(p, n) when it is smaller."""
    reduction = _reduction("triplet_margin_loss", size_average, reduce, reduction)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _same_ndim(anchor, positive, negative)
    return triplet_margin_with_distance_loss(
        anchor, positive, negative, margin=margin, swap=swap, reduction=reduction,
        distance_function=lambda x1, x2: pairwise_distance(x1, x2, p, eps))


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction="mean"):
    """triplet_margin_loss with any distance (pairwise_distance by default)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _same_ndim(anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    to_positive, to_negative = distance(anchor, positive), distance(anchor, negative)
    if swap:
        to_negative = to_negative.minimum(distance(positive, negative))
    return _reduce((margin + to_positive - to_negative).clamp_min(0), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """The mean over the C labels of each sample of -(y log s(x) + (1 - y) log(1 - s(x))): one
    independent yes/no per label."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    classes = input.shape[input.ndim - 1]
    loss = loss.sum(dim=input.ndim - 1) / classes
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(reduction + " is not valid")
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction="mean"):
    """The multi-class hinge loss: for each sample with class y, sum over the other classes i of
    max(0, margin - x[y] + x[i])^p (times weight[y]), divided by the number of classes C."""
    reduction = _reduction("multi_margin_loss", size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    if input.ndim > 2 or (input.ndim == 2 and target.shape != (input.shape[0],)) or (
            input.ndim < 2 and target.numel() != 1):
        raise RuntimeError(f"inconsistent target size, expected {input.shape[0] if input.ndim == 2 else 1} but got "
                           f"{list(target.shape)}")
    rows = input.reshape(-1, input.shape[-1] if input.ndim else 1)
    classes = rows.shape[1]
    labels = target.reshape(-1, 1)
    if labels.numel() and bool(((labels < 0) | (labels >= classes)).any()):
        raise RuntimeError("target out of range")
    z = margin - rows.gather(1, labels) + rows
    adds = z > 0  # PyTorch's kernel adds only z > 0: nothing at the margin, nothing for a NaN z
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight[labels.reshape(-1)].reshape(-1, 1)
    z = z.where(adds, 0.0)
    own_class = labels == arange(classes, device=rows.device).reshape(1, -1)  # i == y adds nothing
    loss = z.masked_fill(own_class, 0).sum(1) / classes
    loss = loss.reshape(target.shape if input.ndim == 2 else ())
    return _reduce(loss, reduction)
