"""Backpropagation: `backward(root, grad)` visits the graph's nodes in topological order (an
explicit stack, so a 10,000-op chain is fine), outputs before inputs, runs each node's backward
once all its gradient has arrived, adds the gradients of a tensor used twice, and frees each node
as it goes unless `retain_graph=True`. `grad(outputs, inputs)` is torch.autograd.grad: the same walk,
the gradients returned instead of added into .grad."""
import numpy as np

from .function import AccumulateGrad, array_base


def backward(root_node, grad, retain_graph=False, capture=None):
    """Backpropagate `grad` (the gradient of some scalar w.r.t. the root's output) from
    `root_node` to every leaf's AccumulateGrad, each node once, outputs before inputs.
    `capture` (autograd.grad's): a dict whose nodes receive their whole gradient there,
    while no leaf's .grad changes."""
    grads = {root_node: (grad, False)}  # node -> (gradient, whether the engine owns the array)
    given = set()  # arrays now held by some leaf's .grad
    for node in _topological_order(root_node):
        g, owned = grads.pop(node, (None, False))
        if g is None:
            continue
        if node.grad_hooks:
            g, owned = _run_grad_hooks(node.grad_hooks, g, owned)
        if capture is not None and node in capture:
            capture[node] = g if owned else g.copy()
        if isinstance(node, AccumulateGrad):
            if capture is None:
                node.accumulate(g, owned, given)
            continue
        if node.freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time: {node.op_name()}'s saved values were "
                "freed by the first backward(). Recompute the forward pass, or call backward(retain_graph=True) "
                "the first time.")
        node.check_versions()
        if capture is None and node.retained is not None and node.retained() is not None:
            node.retained()._retain(g)
        with np.errstate(all="ignore"):
            input_grads = node.backward(g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        g_base = array_base(g)
        bases = [id(array_base(gx)) for gx in input_grads if gx is not None]
        for parent, gx in zip(node.parents, input_grads):
            if parent is None or gx is None:
                continue
            # owned: made by this backward for this parent alone, not a view of the upstream
            # gradient (a pass-through) nor memory it also returned for another input
            owned = array_base(gx) is not g_base and bases.count(id(array_base(gx))) == 1 and owned_array(gx)
            if parent in grads:  # a tensor used twice (a residual block's input): sum the two
                total, total_owned = grads[parent]
                if total_owned and total.shape == gx.shape and total.dtype == gx.dtype:
                    total += gx  # in place: no temporary the size of the activation
                else:
                    total = total + gx
                grads[parent] = (total, True)
            else:
                grads[parent] = (gx, owned)
        if not retain_graph:
            node.release()


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


def _run_grad_hooks(hooks, g, owned):
    """Tensor.register_hook: each hook sees the gradient, as a Tensor, and may return another."""
    for hook, wrap in list(hooks.values()):
        result = hook(wrap(g))
        if result is not None:
            new = getattr(result, "array", result)
            if new.shape != g.shape:
                raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value: "
                                   f"{tuple(g.shape)} -> {tuple(new.shape)}")
            g, owned = new, False
    return g, owned


def owned_array(a):
    """A writable array with its own memory layout (not a broadcast view)."""
    return getattr(a.flags, "writeable", True)


def _topological_order(root):
    """Nodes reachable from root, each before every node that made its inputs."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for parent in node.parents or ():
            if parent is not None and parent not in seen:
                stack.append((parent, False))
    return order[::-1]
