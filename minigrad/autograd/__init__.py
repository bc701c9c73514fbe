"""Autograd: the backward graph and backpropagation (PyTorch's torch.autograd).

The graph is made of nodes. Every op that records a gradient creates one
`Function` node; its `parents` are the nodes that made its inputs (PyTorch
shows them as `grad_fn.next_functions`, (node, 0) pairs). A leaf tensor that
requires grad is represented by its `AccumulateGrad` node (cached on the
leaf), whose only job is to add the gradient into `leaf.grad`.
So every edge points at a node, never at a Tensor: an intermediate tensor's
array is freed in the forward pass unless a backward saved it.

`backward(root, grad)` sorts the nodes (an explicit stack, so a 10,000-op
chain is fine), runs each node once after all its gradient has arrived, and
frees each node as it goes, unless `retain_graph=True`.

Nothing here knows the Tensor class: `Function.apply` wraps its output in the
class its tensor inputs name (`_result_class`), so the import graph runs
autograd <- ops <- tensor, never back up.

Read `function.py` (the nodes: Function and AccumulateGrad), then `engine.py` (backward: the
walk through the graph). A first reading may skip the rest: `buffers.py` (where gradients wait,
summed in place where that is safe; hooks), `saved_tensors.py` (saved arrays freed, version counters),
`grad_mode.py` (no_grad, per thread), `grad.py` (torch.autograd.grad) and `variable.py` (the
legacy Variable).
"""
from .engine import backward
from .grad import grad
from .function import AccumulateGrad, Function, Node
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .variable import Variable

__all__ = ["Function", "Node", "AccumulateGrad", "backward", "grad", "Variable", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode"]
