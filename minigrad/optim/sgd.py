"""Stochastic gradient descent, with momentum and weight decay, by PyTorch's rule.

Gradient descent moves each parameter a small step against its gradient:
    p = p - lr * grad
"Stochastic" because the gradient comes from one mini-batch, not the whole data
set. Momentum keeps a running direction (a velocity) so that steps add up along
directions the gradients agree on, and cancel where they zig-zag:
    buf = momentum * buf + (1 - dampening) * (grad + weight_decay * p)
    p   = p - lr * buf                 (nesterov: p - lr * (grad + momentum * buf))
The first step starts the buffer at the gradient itself (PyTorch's rule). The learning
rate is a plain number on each parameter group; schedules (SGDR) only change that number.
Fused versions do the same, bitwise, faster: sgd_cuda.py (GPU), sgd_cpu.py (CPU, cache-sized blocks).
"""
from . import sgd_cpu, sgd_cuda
from .optimizer import ArrayStates, Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 maximize=False):
        if lr < 0:
            raise ValueError(f"SGD: learning rate must be non-negative, got {lr}")
        if momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: momentum and weight_decay must be non-negative, got {momentum}, {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))
        self._cuda_tables = {}  # sgd_cuda's device pointer tables, per group and dtype

    def update(self, p, grad, group, state):
        """The rule above, for one parameter p (its array changed in place) with gradient array grad."""
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        d_p = grad
        if wd:
            d_p = d_p + wd * p.array
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = p.array.copy()  # an array even where d_p is numpy's 0-d scalar
                buf[...] = d_p  # PyTorch's first step: the buffer starts at d_p
            else:
                buf *= momentum
                buf += d_p if group["dampening"] == 0 else (1 - group["dampening"]) * d_p  # no temporary for 1 * d_p
            d_p = d_p + momentum * buf if group["nesterov"] else buf
        p.array -= lr * d_p  # gradient descent, the whole idea in one line

    def update_group(self, group, params):
        """update() for each parameter of the group that has a gradient (Optimizer.update_group), after
        a fused path did those it can take (speed only, bitwise the same: sgd_cuda.py, sgd_cpu.py)."""
        if sgd_cuda.on_gpu(params):  # on the GPU: one fused kernel (sgd_cuda.py)
            params = sgd_cuda.fused_step(group, params, ArrayStates(self.state), self._cuda_tables)
        else:  # on the CPU: each parameter read once, in blocks, on threads (sgd_cpu.py)
            params = sgd_cpu.fused_step(group, params, ArrayStates(self.state))
        super().update_group(group, params)
