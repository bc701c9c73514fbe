"""Adadelta (Zeiler 2012) and RMSprop (Hinton's lecture 6e), by PyTorch's updates.

RMSprop divides each gradient by a running root-mean-square of its recent values, so every
weight moves at a similar speed whatever the scale of its gradient:
    v = alpha v + (1 - alpha) g^2            p = p - lr * g / (sqrt(v) + eps)
(centered: v minus the squared running mean of g; momentum: a buffer of those steps).
Adadelta also keeps a running average of the squared steps taken (u), and scales by the ratio
of the two RMS values, so the step has the units of the weights (lr is 1.0 by default):
    v = rho v + (1 - rho) g^2
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u = rho u + (1 - rho) delta^2            p = p - lr * delta
"""
from ..array_module import get_array_module
from .optimizer import Optimizer


class Adadelta(Optimizer):
    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, maximize=False):
        if lr < 0 or eps < 0 or weight_decay < 0 or not 0 <= rho <= 1:
            raise ValueError(f"Adadelta: invalid settings lr={lr}, rho={rho}, eps={eps}, weight_decay={weight_decay}")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    def update(self, p, grad, group, state):
        xp = get_array_module(p.array)
        rho, eps, wd = group["rho"], group["eps"], group["weight_decay"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.array)
            state["acc_delta"] = xp.zeros_like(p.array)
        state["step"] += 1
        if wd:
            grad = grad + wd * p.array
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * grad * grad
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * grad
        u *= rho
        u += (1 - rho) * delta * delta
        p.array -= group["lr"] * delta


class RMSprop(Optimizer):
    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 maximize=False):
        if lr < 0 or eps < 0 or weight_decay < 0 or momentum < 0 or alpha < 0:
            raise ValueError(f"RMSprop: invalid settings lr={lr}, alpha={alpha}, eps={eps}, "
                             f"weight_decay={weight_decay}, momentum={momentum}")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def update(self, p, grad, group, state):
        xp = get_array_module(p.array)
        alpha, eps, wd, momentum = group["alpha"], group["eps"], group["weight_decay"], group["momentum"]
        if not state:
            state["step"] = 0
            state["square_avg"] = xp.zeros_like(p.array)
            if momentum > 0:
                state["momentum_buffer"] = xp.zeros_like(p.array)
            if group["centered"]:
                state["grad_avg"] = xp.zeros_like(p.array)
        state["step"] += 1
        if wd:
            grad = grad + wd * p.array
        v = state["square_avg"]
        v *= alpha
        v += (1 - alpha) * grad * grad
        if group["centered"]:
            mean = state["grad_avg"]
            mean += (1 - alpha) * (grad - mean)
            avg = xp.sqrt(v - mean * mean) + eps
        else:
            avg = xp.sqrt(v) + eps
        if momentum > 0:
            buf = state["momentum_buffer"]
            buf *= momentum
            buf += grad / avg
            p.array -= group["lr"] * buf
        else:
            p.array -= group["lr"] * grad / avg
