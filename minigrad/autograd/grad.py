"""torch.autograd.grad: the gradients of outputs with respect to some inputs, returned as a tuple
instead of added into .grad. The same walk as backward (engine.py), with its gradients captured."""
import numpy as np

from .engine import backward


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         is_grads_batched=False, materialize_grads=False):
    """torch.autograd.grad: the gradients of `outputs` with respect to `inputs`, returned as a tuple
    (one per input) instead of added into .grad. Several outputs: their gradients add up."""
    if create_graph or is_grads_batched:
        raise RuntimeError("autograd.grad(create_graph=True / is_grads_batched=True): higher-order gradients are "
                           "not supported by minigrad (a deliberate difference from PyTorch)")
    single = hasattr(outputs, "_result_class")
    outputs = [outputs] if single else list(outputs)
    inputs = [inputs] if hasattr(inputs, "_result_class") else list(inputs)
    if grad_outputs is None or hasattr(grad_outputs, "_result_class"):
        grad_outputs = [grad_outputs] * len(outputs) if grad_outputs is None else [grad_outputs]
    for x in inputs:
        if not x.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    capture = {x._grad_node(): None for x in inputs}
    for k, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(f"element {k} of tensors does not require grad and does not have a grad_fn")
        found = dict.fromkeys(capture)
        last = k == len(outputs) - 1
        backward(out._grad_node(), out._seed_gradient(g), retain_graph=bool(retain_graph) or not last, capture=found)
        for node, g_node in found.items():
            if g_node is not None:
                capture[node] = g_node if capture[node] is None else capture[node] + g_node
    results = []
    for k, x in enumerate(inputs):
        g = capture[x._grad_node()]
        if g is None and not (allow_unused or materialize_grads):
            raise RuntimeError(f"The differentiated Tensor at index {k} appears to not have been used in the graph. "
                               "Set allow_unused=True if this is the desired behavior.")
        if g is None and materialize_grads:
            g = np.zeros_like(x.array)
        results.append(None if g is None else x._result_class._wrap(g.astype(x.dtype, copy=False)))
    return tuple(results)
