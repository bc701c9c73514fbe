"""Stochastic gradient descent, with momentum and weight decay, by PyTorch's rule.

Gradient descent moves each parameter a small step against its gradient:
    p = p - lr * grad
"Stochastic" because the gradient comes from one mini-batch, not the whole data
set. Momentum keeps a running direction (a velocity) so that steps add up along
directions the gradients agree on, and cancel where they zig-zag:
    buf = momentum * buf + (1 - dampening) * (grad + weight_decay * p)
    p   = p - lr * buf                 (nesterov: p - lr * (grad + momentum * buf))
The learning rate is a plain number on each parameter group; schedules (SGDR)
only change that number.
"""
from ..backend import to_device
from ..tensor import no_grad


class SGD:
    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if lr < 0:
            raise ValueError(f"SGD: learning rate must be non-negative, got {lr}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")
        self.defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                             nesterov=nesterov)
        params = list(params)
        if not params:
            raise ValueError("SGD: got an empty list of parameters")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        for group in groups:  # each group may set its own lr: differential learning rates
            group = dict(self.defaults, **group)
            group["params"] = list(group["params"])
            self.param_groups.append(group)
        self.state = {}  # id(param) -> momentum buffer

    def zero_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                p.grad = None

    def step(self):
        with no_grad():
            for group in self.param_groups:
                lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
                for p in group["params"]:
                    if p.grad is None:  # frozen, or not used this step
                        continue
                    d_p = p.grad.data  # the gradient's array (p.grad is a Tensor)
                    if wd:
                        d_p = d_p + wd * p.data
                    if momentum:
                        buf = self.state.get(id(p))
                        if buf is None:
                            buf = self.state[id(p)] = d_p.copy()
                        else:
                            buf *= momentum
                            buf += (1 - group["dampening"]) * d_p
                        d_p = d_p + momentum * buf if group["nesterov"] else buf
                    p.data -= lr * d_p  # gradient descent, the whole idea in one line

    # ---- saving the optimizer with a checkpoint ----------------------------------------
    def state_dict(self):
        """Momentum buffers by (group, position) and each group's settings."""
        buffers = {}
        for g, group in enumerate(self.param_groups):
            for i, p in enumerate(group["params"]):
                if id(p) in self.state:
                    buffers[f"{g}.{i}"] = self.state[id(p)]
        settings = [{k: v for k, v in group.items() if k != "params"} for group in self.param_groups]
        return {"buffers": buffers, "groups": settings}

    def load_state_dict(self, state):
        if len(state["groups"]) != len(self.param_groups):
            raise ValueError(f"SGD.load_state_dict: the saved optimizer has {len(state['groups'])} parameter "
                             f"groups, this one {len(self.param_groups)}")
        for group, saved in zip(self.param_groups, state["groups"]):
            group.update(saved)
        self.state = {}
        for key, buf in state["buffers"].items():
            g, i = (int(k) for k in key.split("."))
            p = self.param_groups[g]["params"][i]
            self.state[id(p)] = to_device(buf, p.device).astype(p.dtype, copy=True)
