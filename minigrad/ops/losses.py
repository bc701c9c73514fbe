"""Loss functions, each with PyTorch's `reduction`: 'mean' (the default), 'sum' or 'none'.

The negative log-likelihood (with log_softmax, the cross-entropy or "log loss" of the lecture):

    cross_entropy(logits, y) = nll_loss(log_softmax(logits), y)
                             = mean over the batch of  -log softmax(logits)[y]

With class weights w, 'mean' divides by the total weight of the targets, sum_n w[y_n], not by N
(PyTorch's rule); targets equal to `ignore_index` count neither in the sum nor in the total.
The elementwise losses (mse, l1, smooth_l1, binary cross-entropy) share one reduction:
'mean' divides by the number of elements. log_softmax subtracts the maximum first, so logits of
1e4 are fine.
"""
import warnings

import numpy as np

from ..backend import device_of, get_array_module, to_device
from ..autograd import Function
from .activations import stable_sigmoid
from .arithmetic import unbroadcast

REDUCTIONS = ("mean", "sum", "none")


def check_reduction(name, reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _array(value, device):
    """Targets and weights as an array on the input's device (an array or a list; nn/functional
    passes a Tensor's array)."""
    return to_device(value if hasattr(value, "shape") else np.asarray(value), device)


def _target_like(name, target, x):
    """The target as an array of x's dtype on x's device, of x's shape (binary losses)."""
    target = _array(target, device_of(x)).astype(x.dtype, copy=False)
    if target.shape != x.shape:
        raise ValueError(f"{name}: target shape {tuple(target.shape)} must equal the input shape {tuple(x.shape)}")
    return target


def _reduce(loss, reduction):
    return loss.sum() if reduction == "sum" else loss.mean() if reduction == "mean" else loss


def _reduced_grad(grad, shape, reduction, xp):
    """The upstream gradient of each element of the unreduced loss."""
    if reduction == "none":
        return grad
    count = int(np.prod(shape)) if reduction == "mean" else 1
    return xp.broadcast_to(grad / count, shape)


def check_classes(target, classes, ignore_index):
    """Every target a class index in [0, classes) or ignore_index. Checked where the target
    lives: a target still on the host (the usual case: labels from a DataLoader) costs the
    GPU nothing, one already on the GPU costs one wait for it (PyTorch checks there instead,
    with an assert inside the kernel)."""
    valid = target != ignore_index
    if valid.any():
        low, high = int(target[valid].min()), int(target[valid].max())
        if low < 0 or high >= classes:
            raise ValueError(f"nll_loss: target values must be class indices in [0, {classes - 1}] (or "
                             f"ignore_index={ignore_index}), got values from {low} to {high}")


class NLLLoss(Function):
    """loss_n = -w[y_n] * log_probs[n, y_n] (0 where y_n == ignore_index);
    'mean' = sum_n loss_n / sum_n w[y_n].  d/dlog_probs[n, y_n] = -w[y_n] * (upstream for n).
    Input (N, C) or (N, C, d1, ...) with targets (N,) or (N, d1, ...), as PyTorch."""
    name = "nll_loss"

    def forward(self, log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
        xp = get_array_module(log_probs)
        check_reduction(self.name, reduction)
        target = target if hasattr(target, "shape") else np.asarray(target)
        if log_probs.ndim < 2:
            raise ValueError(f"nll_loss: expected log-probabilities of shape (batch, classes) or (batch, classes, "
                             f"d1, ...), got {tuple(log_probs.shape)}")
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(f"nll_loss: target must hold integer class indices, got dtype {target.dtype} "
                            "(probability targets are not supported: pass class indices)")
        n, classes = log_probs.shape[:2]
        expected = (n,) + log_probs.shape[2:]
        if target.shape != expected:
            raise ValueError(f"nll_loss: target has shape {tuple(target.shape)}, expected {expected} for "
                             f"log-probabilities of shape {tuple(log_probs.shape)}")
        check_classes(target, classes, ignore_index)  # on the host when the target is there: no GPU sync
        target = to_device(target, device_of(log_probs))
        valid = target != ignore_index
        # Classes last, everything else in one row axis: (M, C) with targets (M,).
        flat = xp.moveaxis(log_probs, 1, -1).reshape(-1, classes)
        t = xp.where(valid, target, 0).reshape(-1)
        if weight is not None:
            weight = _array(weight, device_of(log_probs)).astype(log_probs.dtype, copy=False)
            if weight.shape != (classes,):
                raise ValueError(f"nll_loss: weight must have one entry per class, shape ({classes},), got "
                                 f"{tuple(weight.shape)}")
            w = weight[t] * valid.reshape(-1)
        else:
            w = valid.reshape(-1).astype(log_probs.dtype)
        rows = xp.arange(flat.shape[0])
        losses = -w * flat[rows, t]
        self.rows, self.t, self.w, self.reduction = rows, t, w, reduction
        self.shape, self.target_shape = log_probs.shape, target.shape
        if reduction == "none":
            return losses.reshape(target.shape)
        if reduction == "sum":
            return losses.sum()
        self.total = w.sum()
        return losses.sum() / self.total  # every target ignored: 0 / 0 = nan, as PyTorch

    def backward(self, grad):
        xp = get_array_module(grad)
        if self.reduction == "none":
            g = grad.reshape(-1)
        else:
            g = grad / self.total if self.reduction == "mean" else grad
        moved = self.shape[:1] + self.shape[2:] + self.shape[1:2]
        out = xp.zeros((self.rows.shape[0], self.shape[1]), dtype=grad.dtype)
        out[self.rows, self.t] = -self.w * g
        return xp.moveaxis(out.reshape(moved), -1, 1)


class BCEWithLogits(Function):
    """loss = (1 - y) x + (1 + (pw - 1) y) log(1 + e^-x)   (= -pw y log s(x) - (1-y) log(1 - s(x)),
    written so that it never overflows), times `weight`; dx = weight (s(x)(1 + (pw - 1) y) - pw y),
    which is s(x) - y without weights. No gradient for the target."""
    name = "binary_cross_entropy_with_logits"

    def forward(self, x, target, weight=None, pos_weight=None, reduction="mean"):
        xp = get_array_module(x)
        check_reduction(self.name, reduction)
        target = _target_like(self.name, target, x)
        pw = 1 if pos_weight is None else _array(pos_weight, device_of(x)).astype(x.dtype, copy=False)
        w = 1 if weight is None else _array(weight, device_of(x)).astype(x.dtype, copy=False)
        softplus_neg = xp.maximum(-x, 0) + xp.log1p(xp.exp(-xp.abs(x)))  # log(1 + e^-x), stable
        scale = 1 + (pw - 1) * target
        loss = w * ((1 - target) * x + scale * softplus_neg)
        self.save_for_backward(x, target)
        self.pw, self.w, self.scale, self.reduction, self.shape = pw, w, scale, reduction, loss.shape
        return _reduce(loss, reduction)

    def backward(self, grad):
        x, target = self.saved
        g = _reduced_grad(grad, self.shape, self.reduction, get_array_module(grad))
        dx = g * self.w * (stable_sigmoid(x) * self.scale - self.pw * target)
        return unbroadcast(dx, x.shape)


class BCE(Function):
    """Binary cross-entropy on probabilities p: loss = -w (y log p + (1 - y) log(1 - p)), each log
    clamped at -100 as PyTorch does (so p = 0 or 1 gives 100, not inf);
    dp = w (p - y) / max(p (1 - p), 1e-12) (PyTorch's epsilon). No gradient for the target."""
    name = "binary_cross_entropy"

    def forward(self, p, target, weight=None, reduction="mean"):
        xp = get_array_module(p)
        check_reduction(self.name, reduction)
        target = _target_like(self.name, target, p)
        if p.size and (float(p.min()) < 0 or float(p.max()) > 1):
            raise ValueError(f"{self.name}: input must hold probabilities in [0, 1] (apply sigmoid first, or use "
                             "binary_cross_entropy_with_logits on the raw scores)")
        w = 1 if weight is None else _array(weight, device_of(p)).astype(p.dtype, copy=False)
        log_p, log_1mp = xp.maximum(xp.log(p), -100), xp.maximum(xp.log1p(-p), -100)  # log 0 = -inf -> -100
        loss = -w * (target * log_p + (1 - target) * log_1mp)
        self.save_for_backward(p, target)
        self.w, self.reduction, self.shape = w, reduction, loss.shape
        return _reduce(loss, reduction)

    def backward(self, grad):
        p, target = self.saved
        xp = get_array_module(grad)
        g = _reduced_grad(grad, self.shape, self.reduction, xp)
        dp = g * self.w * (p - target) / xp.maximum(p * (1 - p), 1e-12)
        return unbroadcast(dp, p.shape)


class _Difference(Function):
    """A loss of d = input - target, elementwise: loss = f(d), d/dinput = f'(d), d/dtarget = -f'(d).
    Input and target broadcast (with PyTorch's warning when their shapes differ). An optional
    `weight` (the input's shape) multiplies each element, and 'mean' then divides by its sum."""

    def forward(self, x, target, reduction="mean", weight=None, **options):
        check_reduction(self.name, reduction)
        if x.shape != target.shape:
            warnings.warn(f"{self.name}: Using a target size {tuple(target.shape)} that is different to the "
                          f"input size {tuple(x.shape)}. This will likely lead to incorrect results due to "
                          "broadcasting. Please ensure they have the same size.", UserWarning, stacklevel=4)
            try:
                np.broadcast_shapes(x.shape, target.shape)
            except ValueError:
                raise ValueError(f"{self.name}: input shape {tuple(x.shape)} and target shape "
                                 f"{tuple(target.shape)} cannot be broadcast together") from None
        d = x - target
        self.options = options
        loss, self.slope = self.f(get_array_module(d), d)
        self.reduction, self.shape, self.x_shape, self.t_shape = reduction, loss.shape, x.shape, target.shape
        if weight is None:
            return _reduce(loss, reduction)
        weight = _array(weight, device_of(x)).astype(x.dtype, copy=False)
        if weight.shape != x.shape:
            raise ValueError(f"{self.name}: Weights and input must have the same size (weight "
                             f"{tuple(weight.shape)}, input {tuple(x.shape)})")
        loss, self.slope = loss * weight, self.slope * weight
        if reduction != "mean":
            return _reduce(loss, reduction)
        self.reduction, self.total = "weighted mean", weight.sum()
        return loss.sum() / self.total

    def backward(self, grad):
        xp = get_array_module(grad)
        if self.reduction == "weighted mean":
            g = xp.broadcast_to(grad / self.total, self.shape)
        else:
            g = _reduced_grad(grad, self.shape, self.reduction, xp)
        g = g * self.slope
        return unbroadcast(g, self.x_shape), unbroadcast(-g, self.t_shape)


class MSE(_Difference):
    """loss = d^2;  f'(d) = 2d."""
    name = "mse_loss"

    def f(self, xp, d):
        return d * d, 2 * d


class L1(_Difference):
    """loss = |d|;  f'(d) = sign(d) (0 at d = 0, as PyTorch)."""
    name = "l1_loss"

    def f(self, xp, d):
        return xp.abs(d), xp.sign(d)


class SmoothL1(_Difference):
    """loss = d^2 / (2 beta) where |d| < beta, else |d| - beta/2 (Huber's, scaled);
    f'(d) = d / beta inside, sign(d) outside. beta = 0 is the L1 loss."""
    name = "smooth_l1_loss"

    def f(self, xp, d):
        beta, a = self.options["beta"], xp.abs(d)
        if beta == 0:
            return a, xp.sign(d)
        inside = a < beta
        return xp.where(inside, 0.5 * d * d / beta, a - 0.5 * beta), xp.where(inside, d / beta, xp.sign(d))
