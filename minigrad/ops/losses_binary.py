"""The binary cross-entropies: `binary_cross_entropy` on probabilities and
`binary_cross_entropy_with_logits` on logits (log-sigmoid computed stably), with PyTorch's `weight`,
`pos_weight` and `reduction` ('mean' over the elements)."""
import numpy as np

from ..array_module import device_of, get_array_module
from ..autograd import Function
from .activations import stable_sigmoid
from .arithmetic import unbroadcast
from .broadcast_errors import check_broadcasts_into
from .loss_checks import as_array, check_reduction, reduce_loss, reduced_grad, type_name


def size_repr(shape):
    return f"minigrad.Size({list(shape)})"


def _weight(weight, x, dtype):
    """A class or element weight as an array of `dtype` that broadcasts to x (1 when there is none)."""
    if weight is None:
        return 1
    weight = as_array(weight, device_of(x)).astype(dtype, copy=False)
    check_broadcasts_into(weight.shape, x.shape)
    return weight


class BCEWithLogits(Function):
    """loss = w ((1 - y) x + (1 + (pw - 1) y) log(1 + e^-x))   (= -w (pw y log s(x) + (1 - y) log(1 - s(x))),
    written so that it never overflows; s is the sigmoid, pw the pos_weight, w the weight);
    dx = w (s(x)(1 + (pw - 1) y) - pw y), which is s(x) - y without weights;
    dy = -w x without pos_weight, else w (pw log(1 + e^-x) - log(1 + e^x)), PyTorch's two formulas
    (so x = -inf gives inf, not inf - inf). The target's dtype promotes the loss's (a float64
    target gives a float64 loss), as PyTorch."""
    op = "binary_cross_entropy_with_logits"

    def forward(self, x, target, weight=None, pos_weight=None, reduction="mean"):
        xp = get_array_module(x)
        check_reduction(self.op, reduction)
        target = as_array(target, device_of(x))
        if target.shape != x.shape:
            raise ValueError(f"Target size ({size_repr(target.shape)}) must be the same as input size "
                             f"({size_repr(x.shape)})")
        if x.dtype.kind != "f":
            raise NotImplementedError(f"\"log_sigmoid_{device_of(x)}\" not implemented for '{type_name(x.dtype)}'")
        if target.dtype.kind == "b":
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                               "`logical_xor()` operator instead.")
        if target.dtype.kind != "f":
            raise RuntimeError(f"result type Float can't be cast to the desired output type "
                               f"{type_name(target.dtype)}")
        dtype = np.promote_types(x.dtype, target.dtype)
        xd, target = x.astype(dtype, copy=False), target.astype(dtype, copy=False)
        pw, w = _weight(pos_weight, xd, dtype), _weight(weight, xd, dtype)
        softplus_neg = xp.maximum(-xd, 0) + xp.log1p(xp.exp(-xp.abs(xd)))  # log(1 + e^-x), stable
        scale = 1 if pos_weight is None else 1 + (pw - 1) * target  # no 0 * inf where there is no pos_weight
        loss = w * ((1 - target) * xd + scale * softplus_neg)
        self.save_for_backward(xd, target)
        self.pw, self.w, self.scale, self.softplus_neg = pw, w, scale, softplus_neg
        self.pos_weight_none = pos_weight is None
        self.reduction, self.shape, self.x_dtype = reduction, loss.shape, x.dtype
        return reduce_loss(loss, reduction)

    def backward(self, grad):
        x, target = self.saved
        g = reduced_grad(grad, self.shape, self.reduction, get_array_module(grad))
        dx = (g * self.w * (stable_sigmoid(x) * self.scale - self.pw * target)).astype(self.x_dtype, copy=False)
        dy = None
        if self.needs_input_grad[1]:
            xp = get_array_module(x)
            softplus = xp.maximum(x, 0) + xp.log1p(xp.exp(-xp.abs(x)))  # log(1 + e^x), stable
            dy = g * self.w * (-x if self.pos_weight_none else self.pw * self.softplus_neg - softplus)
        return unbroadcast(dx, x.shape), dy


BCE_EPSILON = float(np.float32(1e-12))  # PyTorch's EPSILON is a C float: 9.9999999600419e-13 in float64 too


class BCE(Function):
    """Binary cross-entropy on probabilities p: loss = -w (y log p + (1 - y) log(1 - p)), each log
    clamped at -100 as PyTorch does (so p = 0 or 1 gives 100, not inf);
    dp = w (p - y) / max(p (1 - p), 1e-12) (PyTorch's epsilon);  dy = w (log(1 - p) - log p), not
    clamped (inf at p = 0 or 1, as PyTorch's). Input and target of one float dtype, each in [0, 1]
    (NaN refused), as PyTorch."""
    op = "binary_cross_entropy"

    def forward(self, p, target, weight=None, reduction="mean"):
        xp = get_array_module(p)
        check_reduction(self.op, reduction)
        target = as_array(target, device_of(p))
        if target.shape != p.shape:
            raise ValueError(f"Using a target size ({size_repr(target.shape)}) that is different to the input size "
                             f"({size_repr(p.shape)}) is deprecated. Please ensure they have the same size.")
        if target.dtype != p.dtype:
            raise RuntimeError(f"Found dtype {type_name(target.dtype)} but expected {type_name(p.dtype)}")
        if p.dtype.kind != "f":
            raise NotImplementedError(f"\"binary_cross_entropy\" not implemented for '{type_name(p.dtype)}'")
        for name, values in (("input", p), ("target", target)):  # one sync each on the GPU, as PyTorch's assert
            if bool(((values < 0) | (values > 1) | (values != values)).any()):
                raise RuntimeError(f"all elements of {name} should be between 0 and 1 (binary_cross_entropy takes "
                                   "probabilities in [0, 1]: apply sigmoid first, or use "
                                   "binary_cross_entropy_with_logits on the raw scores)")
        w = _weight(weight, p, p.dtype)
        log_p, log_1mp = xp.maximum(xp.log(p), -100), xp.maximum(xp.log1p(-p), -100)  # log 0 = -inf -> -100
        loss = -w * (target * log_p + (1 - target) * log_1mp)
        self.save_for_backward(p, target)
        self.w, self.reduction, self.shape = w, reduction, loss.shape
        return reduce_loss(loss, reduction)

    def backward(self, grad):
        p, target = self.saved
        xp = get_array_module(grad)
        g = reduced_grad(grad, self.shape, self.reduction, xp)
        dp = g * self.w * (p - target) / xp.maximum(p * (1 - p), BCE_EPSILON)
        dy = g * self.w * (xp.log1p(-p) - xp.log(p)) if self.needs_input_grad[1] else None
        return unbroadcast(dp, p.shape), dy
