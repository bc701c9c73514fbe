"""The negative log-likelihood; after log_softmax, the cross-entropy or "log loss" of the lecture:

    cross_entropy(logits, y) = nll_loss(log_softmax(logits), y)
                             = mean over the batch of  -log softmax(logits)[y]

Its gradient, in two steps. nll_loss's backward puts -1/N at each row's target and 0 elsewhere:
g = -Y / N, with Y the one-hot targets. log_softmax's backward (activations.py) turns any g into
g - p * sum_k g_k, with p = softmax(logits); here sum_k g_k = -1/N per row, so the gradient of the
loss with respect to the logits is
    -Y / N + p / N = (p - Y) / N
(derived step by step in recipes/internals.ipynb, section 3).

With class weights w, 'mean' divides by the total weight of the targets, sum_n w[y_n], not by N
(PyTorch's rule); targets equal to `ignore_index` count neither in the sum nor in the total, and
add exactly 0 to both, even where their log-probability is -inf. The binary cross-entropies are in
losses_binary.py, the regression losses in losses_regression.py, and what all losses share
(`reduction`, PyTorch's checks of a target) in loss_checks.py.
"""
import numpy as np

from ..array_module import device_of, get_array_module, to_device
from ..autograd import Function
from .loss_checks import as_array, check_nll_arguments


class NegativeLogLikelihood(Function):
    """loss_n = -w[y_n] * log_probs[n, y_n], and exactly 0 where y_n == ignore_index (even where
    log_probs is -inf there); 'mean' = sum_n loss_n / sum_n w[y_n].
    d/dlog_probs[n, y_n] = -w[y_n] * (upstream for n), 0 for ignored targets (so every target
    ignored gives a zero gradient, while the 'mean' loss itself is 0/0 = nan, as PyTorch).
    Input (N, C) or (N, C, d1, ...) with int64 targets (N,) or (N, d1, ...), or one unbatched
    sample (C,) with a 0-d target, as PyTorch."""
    op = "nll_loss"

    def forward(self, log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
        xp = get_array_module(log_probs)
        target = target if hasattr(target, "shape") else np.asarray(target)
        # PyTorch's checks of the arguments (loss_checks.py); an error backward must raise, or None
        self.backward_error = check_nll_arguments(log_probs, target, weight, ignore_index, reduction)
        self.input_shape, self.target_shape = log_probs.shape, target.shape
        if log_probs.ndim == 1:  # one sample: a batch of one
            log_probs, target = log_probs[None], target.reshape(1)
        classes = log_probs.shape[1]
        if weight is not None:
            weight = as_array(weight, device_of(log_probs)).astype(log_probs.dtype, copy=False)
        target = to_device(target, device_of(log_probs))
        valid = (target != ignore_index).reshape(-1)
        # Classes last, everything else in one row axis: (M, C) with targets (M,).
        flat = xp.moveaxis(log_probs, 1, -1).reshape(-1, classes)
        t = xp.where(valid, target.reshape(-1), 0)
        if weight is not None:
            w = weight[t] * valid
        else:
            w = valid.astype(log_probs.dtype)
        rows = xp.arange(flat.shape[0])
        losses = xp.where(valid, -w * flat[rows, t], 0)  # an ignored row adds 0, not 0 * (-inf) = nan
        self.rows, self.t, self.w, self.valid, self.reduction = rows, t, w, valid, reduction
        self.shape = log_probs.shape
        if reduction == "none":
            return losses.reshape(self.target_shape)
        if reduction == "sum":
            return losses.sum()
        self.total = w.sum()
        return losses.sum() / self.total  # every target ignored: 0 / 0 = nan, as PyTorch

    def backward(self, grad):
        xp = get_array_module(grad)
        if self.backward_error:
            raise RuntimeError(self.backward_error)
        if self.reduction == "none":
            g = grad.reshape(-1)
        else:
            g = grad / self.total if self.reduction == "mean" else grad
        moved = self.shape[:1] + self.shape[2:] + self.shape[1:2]
        out = xp.zeros((self.rows.shape[0], self.shape[1]), dtype=grad.dtype)
        out[self.rows, self.t] = xp.where(self.valid, -self.w * g, 0)  # no weights, 'mean': -1/N at each target
        return xp.moveaxis(out.reshape(moved), -1, 1).reshape(self.input_shape)
