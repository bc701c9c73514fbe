"""The Optimizer base class, as PyTorch's: parameter groups, per-parameter state, zero_grad,
state_dict / load_state_dict, add_param_group.

An optimizer holds `param_groups`: a list of dicts, each with its parameters under "params" and
its own settings ("lr", "momentum", ...); a setting missing from a group takes the optimizer's
default. Groups are how differential learning rates work (one rate per layer group), and a
schedule changes a rate by writing group["lr"]. `state[p]` is a dict of what the update keeps
for parameter p between steps (momentum buffers, running averages): Tensors, as PyTorch's, while
the update rules read and write their arrays (ArrayState).
"""
from collections import defaultdict
from collections.abc import MutableMapping

import numpy as np

from ..array_module import to_device
from ..nn.utils import grad_array
from ..autograd import no_grad
from ..tensor import Tensor


def _shared(array):
    """A Tensor over `array` itself, no copy (state_dict shares memory, as PyTorch's)."""
    return Tensor._wrap(array, None)


def _is_array(value):
    return isinstance(value, np.ndarray) or type(value).__name__ == "ndarray"  # numpy's or cupy's


class ArrayState(MutableMapping):
    """One parameter's state as an update rule uses it: arrays, read from and written into the
    Tensors that `optimizer.state[p]` holds (sharing their memory; numbers pass as they are)."""
    def __init__(self, tensors):
        self.tensors = tensors

    def __getitem__(self, key):
        value = self.tensors[key]
        return value.array if isinstance(value, Tensor) else value

    def __setitem__(self, key, value):
        self.tensors[key] = _shared(value) if _is_array(value) else value

    def __delitem__(self, key):
        del self.tensors[key]

    def __iter__(self):
        return iter(self.tensors)

    def __len__(self):
        return len(self.tensors)


class ArrayStates:
    """optimizer.state seen as ArrayState per parameter (for rules that update many at once)."""
    def __init__(self, state):
        self.state = state

    def __getitem__(self, p):
        return ArrayState(self.state[p])


class Optimizer:
    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = defaultdict(dict)  # parameter -> its state (Tensors hash by identity)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors or dicts, but got a "
                            "Tensor (pass model.parameters() or [tensor])")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines + [")"])

    def add_param_group(self, param_group):
        """Add a group (a dict with "params" and any settings that differ from the defaults),
        e.g. to train a layer unfrozen later with its own rate."""
        if not isinstance(param_group, dict):
            raise TypeError(f"add_param_group: a parameter group must be a dict, got {type(param_group).__name__}")
        group = dict(param_group)
        params = group["params"]
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        group["params"] = list(params)
        for p in group["params"]:
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__} can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor (one computed from "
                                 "others); optimize the parameters it came from")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in group["params"]}) != len(group["params"]) or seen & {id(p) for p in group["params"]}:
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (PyTorch's default) or fill them with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none or p.grad is None:
                    p.grad = None
                else:
                    grad_array(p)[...] = 0

    def step(self, closure=None):
        """One update of every parameter that has a gradient. `closure` (optional) recomputes the
        loss and its gradients first; its value is returned."""
        loss = closure() if closure is not None else None
        self._opt_called = True  # schedulers warn when they step before the optimizer ever did
        with no_grad():
            for group in self.param_groups:
                self.update_group(group, group["params"])
        return loss

    def update_group(self, group, params):
        """Update each of `params` (of `group`) that has a gradient, one update() each. An
        optimizer may first update many at once (SGD on the GPU) and pass on the rest."""
        for p in params:
            if p.grad is not None:  # frozen, or not used this step: left alone
                g = grad_array(p)
                self.update(p, -g if group.get("maximize") else g, group, ArrayState(self.state[p]))
                if not self.state[p]:  # a rule that keeps nothing (SGD without momentum): no entry, as PyTorch
                    del self.state[p]

    def update(self, p, grad, group, state):
        """Change p.array in place from its gradient array, the group's settings and its state."""
        raise NotImplementedError(f"{type(self).__name__} must define update()")

    # ---- saving with a checkpoint: PyTorch's layout ----------------------------------------------
    def state_dict(self):
        """{"state": {index: {name: value}}, "param_groups": [{settings..., "params": [index, ...]}]},
        parameters numbered across the groups in order (PyTorch's format). Arrays in the state are
        returned as Tensors sharing their memory."""
        index, groups = {}, []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            groups.append(dict({k: v for k, v in group.items() if k != "params"},
                               params=[index[id(p)] for p in group["params"]]))
        state = {index[id(p)]: {k: (_shared(v) if _is_array(v) else v) for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore settings and state saved by state_dict() (Tensors or arrays), onto this optimizer's
        parameters, which must be grouped as when it was saved."""
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{type(self).__name__}.load_state_dict: loaded state dict has a different number of "
                             f"parameter groups ({len(saved)}, this optimizer has {len(self.param_groups)})")
        for g, (ours, theirs) in enumerate(zip(self.param_groups, saved)):
            if len(ours["params"]) != len(theirs["params"]):
                raise ValueError(f"{type(self).__name__}.load_state_dict: loaded state dict contains a parameter "
                                 f"group that doesn't match the size of optimizer's group (group {g}: "
                                 f"{len(theirs['params'])} saved, {len(ours['params'])} here)")
        params = {i: p for ours, theirs in zip(self.param_groups, saved)
                  for i, p in zip(theirs["params"], ours["params"])}
        self.state = defaultdict(dict)
        for i, s in state_dict["state"].items():
            p = params[int(i)]
            ArrayState(self.state[p]).update({k: self._restore(v, p) for k, v in s.items()})
        for ours, theirs in zip(self.param_groups, saved):
            ours.update({k: v for k, v in theirs.items() if k != "params"})

    @staticmethod
    def _restore(value, p):
        """A saved state value on p's device: floating arrays take p's dtype, numbers stay numbers."""
        value = value.array if isinstance(value, Tensor) else value
        if not hasattr(value, "shape"):
            return value
        if value.shape == ():  # a scalar array (a step count): a plain number
            return value.item()
        array = to_device(value, p.device)
        return array.astype(p.dtype if np.issubdtype(array.dtype, np.floating) else array.dtype, copy=True)
