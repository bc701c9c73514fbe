"""Loss functions: the negative log-likelihood (with log_softmax, the
cross-entropy or "log loss" of the lecture) and binary cross-entropy on logits.

    cross_entropy(logits, y) = nll_loss(log_softmax(logits), y)
                             = mean over the batch of  -log softmax(logits)[y]

log_softmax subtracts the maximum first, so logits of 1e4 are fine.
"""
import numpy as np

from ..backend import device_of, get_array_module, to_device
from ..tensor import Function, Tensor
from .activations import stable_sigmoid


def _targets(target, device):
    """Targets as an array on the input's device (they may come as a Tensor, array or list)."""
    target = target.data if isinstance(target, Tensor) else target
    return to_device(target if hasattr(target, "shape") else np.asarray(target), device)


class NLLLoss(Function):
    """out = -mean_n log_probs[n, target[n]];  d/dlog_probs = -1/N at each target, 0 elsewhere."""
    name = "nll_loss"

    def forward(self, log_probs, target):
        xp = get_array_module(log_probs)
        target = _targets(target, device_of(log_probs))
        if log_probs.ndim != 2:
            raise ValueError(f"nll_loss: expected log-probabilities of shape (batch, classes), got {tuple(log_probs.shape)}")
        if not np.issubdtype(target.dtype, np.integer):
            raise TypeError(f"nll_loss: target must hold integer class indices, got dtype {target.dtype}")
        n, classes = log_probs.shape
        if target.shape != (n,):
            raise ValueError(f"nll_loss: target has shape {tuple(target.shape)}, expected ({n},) for a batch of {n}")
        if n and (int(target.min()) < 0 or int(target.max()) >= classes):
            raise ValueError(f"nll_loss: target values must be class indices in [0, {classes - 1}], got "
                             f"values from {int(target.min())} to {int(target.max())}")
        self.rows = xp.arange(n)
        self.target, self.shape = target, log_probs.shape
        return -log_probs[self.rows, target].mean()

    def backward(self, grad):
        xp = get_array_module(grad)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        out[self.rows, self.target] = -grad / self.shape[0]
        return out


class BCEWithLogits(Function):
    """out = mean of  max(x, 0) - x*y + log(1 + e^-|x|)  (= -y log s(x) - (1-y) log(1 - s(x)),
    written so that it never overflows);  dx = (sigmoid(x) - y) / N."""
    name = "binary_cross_entropy_with_logits"

    def forward(self, x, target):
        xp = get_array_module(x)
        target = _targets(target, device_of(x)).astype(x.dtype, copy=False)
        if target.shape != x.shape:
            raise ValueError(f"binary_cross_entropy_with_logits: target shape {tuple(target.shape)} must equal the input shape {tuple(x.shape)}")
        self.save_for_backward(x, target)
        return (xp.maximum(x, 0) - x * target + xp.log1p(xp.exp(-xp.abs(x)))).mean()

    def backward(self, grad):
        x, target = self.saved
        return grad * (stable_sigmoid(x) - target) / x.size
