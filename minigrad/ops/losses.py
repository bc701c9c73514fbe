"""The classification losses, each with PyTorch's `reduction`: 'mean' (the default), 'sum' or 'none'.

The negative log-likelihood (with log_softmax, the cross-entropy or "log loss" of the lecture):

    cross_entropy(logits, y) = nll_loss(log_softmax(logits), y)
                             = mean over the batch of  -log softmax(logits)[y]

With class weights w, 'mean' divides by the total weight of the targets, sum_n w[y_n], not by N
(PyTorch's rule); targets equal to `ignore_index` count neither in the sum nor in the total, and
add exactly 0 to both, even where their log-probability is -inf. The binary cross-entropies
'mean' over the elements. log_softmax subtracts the maximum first, so logits of 1e4 are fine.
The regression losses (mse, l1, smooth_l1, huber) are in losses_regression.py.
"""
import numpy as np

from .. import dtypes
from ..backend import device_of, get_array_module, to_device
from ..autograd import Function
from .activations import stable_sigmoid
from .arithmetic import check_broadcasts_into, unbroadcast

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


class NLLLoss(Function):
    """loss_n = -w[y_n] * log_probs[n, y_n], and exactly 0 where y_n == ignore_index (even where
    log_probs is -inf there); 'mean' = sum_n loss_n / sum_n w[y_n].
    d/dlog_probs[n, y_n] = -w[y_n] * (upstream for n), 0 for ignored targets (so every target
    ignored gives a zero gradient, while the 'mean' loss itself is 0/0 = nan, as PyTorch).
    Input (N, C) or (N, C, d1, ...) with int64 targets (N,) or (N, d1, ...), or one unbatched
    sample (C,) with a 0-d target, as PyTorch."""
    op = "nll_loss"

    def forward(self, log_probs, target, weight=None, ignore_index=-100, reduction="mean"):
        xp = get_array_module(log_probs)
        check_reduction(self.op, reduction)
        target = target if hasattr(target, "shape") else np.asarray(target)
        check_nll_shapes(log_probs, target)
        self.backward_error = None
        if target.dtype == np.uint8 and log_probs.ndim > 2:  # PyTorch's kernel for (N, C, d1, ...) reads int64 only
            self.backward_error = "expected scalar type Long but found Byte"
            if log_probs.size or reduction == "none":  # (an empty batch reduced fails in backward only)
                raise RuntimeError(self.backward_error)
        self.input_shape, self.target_shape = log_probs.shape, target.shape
        if log_probs.ndim == 1:  # one sample: a batch of one
            if reduction == "none" and target.ndim == 1:
                raise RuntimeError(f"size mismatch (got input: {list(log_probs.shape)}, target: {list(target.shape)})")
            log_probs, target = log_probs[None], target.reshape(1)
        classes = log_probs.shape[1]
        if weight is not None:
            weight = as_array(weight, device_of(log_probs)).astype(log_probs.dtype, copy=False)
            if weight.shape != (classes,):
                raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes "
                                   f"but got weight tensor of shape: {list(weight.shape)} (nll_loss: weight must "
                                   f"have one entry per class, shape ({classes},))")
        check_classes(target, classes, ignore_index)  # on the host when the target is there: no GPU sync
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
        out[self.rows, self.t] = xp.where(self.valid, -self.w * g, 0)
        return xp.moveaxis(out.reshape(moved), -1, 1).reshape(self.input_shape)


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
