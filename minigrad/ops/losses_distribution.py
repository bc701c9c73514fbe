"""The Kullback-Leibler divergence between a target distribution q and the model's log-probabilities:

    KL(q || p) = sum q (log q - log p),   elementwise  q log q - q log p   (0 where q = 0)

`input` holds log p (as log_softmax gives it); the target holds q, or log q with log_target=True.
Its forward and backward are written out here because the target gets a gradient too, with
PyTorch's exact formulas (xlogy(q, q) - q log p, whose derivative at q = 0 is NaN in PyTorch).
"""
import numpy as np

from ..array_module import get_array_module
from ..autograd import Function
from .arithmetic import unbroadcast
from .broadcast_errors import broadcast_error
from .loss_checks import check_reduction, reduce_loss, reduced_grad


class KLDiv(Function):
    """log_target=False: out = xlogy(q, q) - q x  (xlogy(q, q) = q log q, and 0 at q = 0);
        dx = -q grad,  dq = (log q [0 at q = 0] + q / q - x) grad  (NaN at q = 0, as PyTorch's).
    log_target=True (the target is log q): out = e^q (q - x);  dx = -e^q grad,  dq = e^q (q - x) grad + e^q grad
        (two terms, as PyTorch's chain rule through its product adds them: inf - inf is NaN there too).
    x and q broadcast; `reduction` 'batchmean' is reduced by the caller (a sum over the batch size)."""
    op = "kl_div"

    def forward(self, x, q, reduction="mean", log_target=False):
        xp = get_array_module(x)
        check_reduction(self.op, reduction)
        try:
            np.broadcast_shapes(x.shape, q.shape)  # of the shapes (tuples), on any device
        except ValueError:
            raise broadcast_error(q.shape, x.shape) from None  # PyTorch's order: target (log target - input)
        self.save_for_backward(x, q)
        self.log_target, self.reduction = log_target, reduction
        if log_target:
            self.e = xp.exp(q)
            out = self.e * (q - x)
        else:
            out = xp.where(q == 0, 0, q * xp.log(q)) - q * x
        self.shape = out.shape
        return reduce_loss(out, reduction)

    def backward(self, grad):
        x, q = self.saved
        xp = get_array_module(x)
        g = reduced_grad(grad, self.shape, self.reduction, xp)
        if self.log_target:
            dx, dq = -self.e * g, (q - x) * g * self.e + g * self.e
        else:
            dx = -q * g
            dq = (xp.where(q != 0, xp.log(q), 0) + q / q - x) * g if self.needs_input_grad[1] else None
        return (unbroadcast(dx, x.shape).astype(x.dtype, copy=False),
                None if dq is None else unbroadcast(dq, q.shape).astype(q.dtype, copy=False))

