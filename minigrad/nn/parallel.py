"""torch.nn.parallel's names: `DataParallel` and `DistributedDataParallel`, mapped onto minigrad.

- `DataParallel(module)`: torch's splits each batch over the GPUs of one process; minigrad runs
  on one device, so it runs the whole batch there, as torch's does with one GPU or none. It is
  a wrapper a PyTorch script can keep: `model.module` is the model, `state_dict()` keys start
  with "module.", and when the model is on the GPU the inputs are moved there first (as torch's
  scatter does).
- `DistributedDataParallel(module, device_ids=None, ...)`: minigrad.distributed's, which
  averages gradients over the processes mpiexec started (a world of one without it), with
  torch's arguments. `find_unused_parameters=True` finds, after each forward, the parameters
  the output does not depend on and sends zeros for them, as torch's does, so a backward that
  leaves them without a gradient still averages the others.

Layering: minigrad.nn is below minigrad.distributed, which builds on nn.Module; this module
sits above both (layer 5 in tests/test_architecture.py), and minigrad/nn/__init__.py imports it
only to re-export its names, as torch.nn does.
"""
import warnings

from .. import array_module, autograd
from ..distributed.ddp import DistributedDataParallel as _DistributedDataParallel
from ..tensor import Tensor
from .module import Module


def _device_of(module):
    """'cuda' or 'cpu': where the module's parameters and buffers are (the first one found), or None."""
    for t in list(module.parameters()) + [b for _, b in module.named_buffers()]:
        return array_module.device_of(t.array)
    return None


def _to_device(inputs, device):
    """Tensors inside (nested tuples, lists and dicts of) inputs, moved to `device`."""
    if isinstance(inputs, Tensor):
        return inputs.to(device)
    if isinstance(inputs, (tuple, list)):
        return type(inputs)(_to_device(x, device) for x in inputs)
    if isinstance(inputs, dict):
        return {k: _to_device(v, device) for k, v in inputs.items()}
    return inputs


class DataParallel(Module):
    """torch.nn.DataParallel on one device: forward(*inputs) is module(*inputs) (see the module docstring).
    `device_ids` lists the GPUs it may use: [] without a GPU, [0] with one."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        self.module, self.dim = module, dim
        gpus = [0] if array_module.cuda_available() else []
        device_ids = gpus if device_ids is None else [getattr(d, "index", d) or 0 for d in device_ids]
        if len(device_ids) > 1:
            warnings.warn(f"DataParallel: minigrad runs on one device; device_ids={device_ids} runs the whole batch "
                          f"on device {device_ids[0]} (batch norm sees the whole batch, not a share of it)")
        self.device_ids = device_ids[:1] if gpus else []
        self.output_device = (self.device_ids or [None])[0] if output_device is None else output_device

    def forward(self, *inputs, **kwargs):
        if not self.device_ids:
            return self.module(*inputs, **kwargs)
        where = _device_of(self.module)
        if where not in (None, "cuda"):
            raise RuntimeError(f"module must have its parameters and buffers on device cuda:{self.device_ids[0]} "
                               f"(device_ids[0]) but found one of them on device: {where}")
        return self.module(*_to_device(inputs, "cuda"), **_to_device(kwargs, "cuda"))


class DistributedDataParallel(_DistributedDataParallel):
    """torch.nn.parallel.DistributedDataParallel's signature over minigrad.distributed's (ddp.py).
    Meaningful: module, device_ids (checked as torch: only for a GPU module), broadcast_buffers,
    process_group, bucket_cap_mb (None: 25, torch's default), find_unused_parameters. Accepted
    without effect: output_device, dim, init_sync (parameters are always broadcast from rank 0),
    check_reduction, gradient_as_bucket_view, static_graph and the rest."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        where = _device_of(module)
        if device_ids is not None and where == "cpu":
            raise ValueError(f"DistributedDataParallel device_ids and output_device arguments only work with "
                             f"single-device/multiple-device GPU modules or CPU modules, but got device_ids "
                             f"{device_ids}, output_device {output_device}, and module parameters on the cpu "
                             "(leave device_ids=None for a CPU model)")
        super().__init__(module, bucket_cap_mb=25 if bucket_cap_mb is None else bucket_cap_mb,
                         broadcast_buffers=broadcast_buffers, process_group=process_group)
        object.__setattr__(self, "device_ids", device_ids)
        object.__setattr__(self, "output_device", output_device)
        object.__setattr__(self, "dim", dim)
        object.__setattr__(self, "find_unused_parameters", bool(find_unused_parameters))

    def forward(self, *inputs, **kwargs):
        out = super().forward(*inputs, **kwargs)
        if (self.find_unused_parameters and self._group.size > 1 and self.require_backward_grad_sync
                and autograd.is_grad_enabled()):
            used = _reachable_leaves(out)
            for p in self.module.parameters():
                if p.requires_grad and id(p) not in used:
                    self._on_grad(p)  # nothing will come for it this iteration: zeros go in its place now
        return out


def _reachable_leaves(out):
    """ids of the leaf tensors whose AccumulateGrad nodes the graph of `out` reaches (torch's search
    for unused parameters: walk grad_fn.next_functions from every output tensor)."""
    stack = [t.grad_fn for t in _tensors(out) if t.grad_fn is not None]
    seen, leaves = set(), set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        variable = getattr(node, "variable", None)
        if variable is not None:
            leaves.add(id(variable))
        stack.extend(parent for parent, _ in node.next_functions)
    return leaves


def _tensors(out):
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for x in out:
            yield from _tensors(x)
    elif isinstance(out, dict):
        for x in out.values():
            yield from _tensors(x)


__all__ = ["DataParallel", "DistributedDataParallel"]
