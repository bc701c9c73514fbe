"""Backpropagation: the chain rule, run backwards through the graph.

`backward(root, grad)` starts from d(L)/d(root's output) and ends with d(L)/d(leaf) added into
each leaf's `.grad`. It is three ideas in one loop:
1. Order. The nodes are visited in topological order, outputs before inputs, so that a node
   runs only once every gradient flowing into it has arrived (`topological_order`: an explicit
   stack, not recursion, so a 10,000-op chain is fine).
2. The chain rule. A node's `backward(g)` turns g = dL/d(its output) into one gradient per input,
   dL/d(input) = dL/d(output) * d(output)/d(input), written out in each op of minigrad/ops/.
3. Accumulation. A tensor used twice (a residual block's input, `x * x`) receives a gradient
   from each use; they add up. A leaf's node (`AccumulateGrad`) adds its total into `leaf.grad`.
The graph is freed node by node as it is used, unless `retain_graph=True`.

Where the gradients wait and are summed is `GradientBuffer` (buffers.py): `pending.add` does
`total += g` for a tensor used twice, in place only where that array is this backward's own (the
`made_with` argument tells), and `pending.take` runs Tensor.register_hook's hooks and retain_grad.
Also beside the algorithm: `Function.check_can_run` (saved_tensors.py: refuse a saved tensor changed
in place, or a graph already freed) and `capture`, used by torch.autograd.grad (grad.py).
"""
import numpy as np

from .buffers import GradientBuffer
from .function import AccumulateGrad


def backward(root_node, grad, retain_graph=False, capture=None):
    """Backpropagate `grad` (dL/d(root's output)) from `root_node` to every leaf, each node once.
    `capture` (autograd.grad's): a dict of nodes that receive their whole gradient there, while
    no leaf's .grad changes."""
    pending = GradientBuffer(root_node, grad, capture)  # node -> dL/d(its output), summed as they arrive
    for node in topological_order(root_node):  # outputs before inputs
        if node not in pending:
            continue  # no gradient flows through this node
        g = pending.take(node)  # complete now: every use of the node's output has sent its part
        if isinstance(node, AccumulateGrad):  # a leaf: add into leaf.grad (unless autograd.grad captures it)
            pending.give_to_leaf(node, g)
            continue
        node.check_can_run()
        with np.errstate(all="ignore"):  # inf and NaN come out silently, as in PyTorch
            input_grads = node.backward(g)  # the chain rule, one gradient per input
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, g_input in zip(node.parents, input_grads):
            if parent is not None and g_input is not None:
                pending.add(parent, g_input, made_with=(g, input_grads))  # accumulation: parent's total += g_input
        if not retain_graph:
            node.release()  # the saved arrays have served: their memory goes back now


def topological_order(root):
    """Every node reachable from root, each before all the nodes that made its inputs: a
    depth-first walk that lists a node after its parents, then reversed."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:  # every parent listed: list the node itself
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))  # come back to it after its parents
        for parent in node.parents or ():
            if parent is not None and parent not in seen:
                stack.append((parent, False))
    return order[::-1]
