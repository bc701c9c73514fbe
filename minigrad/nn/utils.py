"""Gradient clipping (`nn.utils.clip_grad_norm_`, `clip_grad_value_`), as PyTorch's.

clip_grad_norm_ treats all the gradients as one long vector g: if its norm ||g|| exceeds
max_norm, every gradient is scaled by max_norm / (||g|| + 1e-6), so the step keeps its
direction but not its size (a guard against exploding gradients)."""
import math

from ..array_module import get_array_module
from ..tensor import Tensor


def grad_array(p):
    """The gradient of p as an array (`p.grad` is a Tensor: its `.array`), or None."""
    return None if p.grad is None else p.grad.array


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [grad_array(p) for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients in place so that their total norm is at most max_norm; returns the
    total norm (before clipping) as a Tensor. norm_type may be float('inf') (the largest |g|)."""
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    xp = get_array_module(grads[0])
    norm_type = float(norm_type)
    if norm_type == math.inf:
        total = xp.stack([xp.abs(g).max() for g in grads]).max()
    elif norm_type <= 0:
        raise ValueError(f"clip_grad_norm_: norm_type must be positive or inf, got {norm_type}")
    else:
        norms = xp.stack([(xp.abs(g) ** norm_type).sum() ** (1 / norm_type) for g in grads])
        total = (norms ** norm_type).sum() ** (1 / norm_type)
    if error_if_nonfinite and not bool(xp.isfinite(total)):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                           f"{float(total)}, so they cannot be clipped. Set error_if_nonfinite=False to allow it")
    coef = xp.minimum(max_norm / (total + 1e-6), 1.0)  # never scale up
    for g in grads:
        g *= coef.astype(g.dtype)
    return Tensor(total, dtype=grads[0].dtype)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        get_array_module(g).clip(g, -clip_value, clip_value, out=g)
