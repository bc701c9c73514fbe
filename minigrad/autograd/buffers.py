"""Where gradients wait during backward (a first reading may skip this file; engine.py is the idea).

`GradientBuffer` holds, for each node not yet run, the gradient of its output summed so far. The
bookkeeping it adds to "add the gradients up" is about memory and PyTorch's extras:
- Summing in place. A gradient array is *owned* when this backward made it for one input alone: not
  the upstream gradient passed through (add's backward returns it as is), not a broadcast view, not
  one array returned for two inputs. Only an owned array may receive `+=` (no temporary the size of
  the activation); a leaf's `.grad` keeps an owned array and copies any other, so `.grad` never
  aliases memory the user or another leaf holds.
- Tensor.register_hook's hooks see, and may replace, a node's gradient when it is complete;
  `retain_grad()` keeps a copy in a non-leaf tensor's `.grad`.
- torch.autograd.grad (grad.py) passes `capture`: the gradients of some nodes are recorded there,
  and no leaf's `.grad` changes.
"""


class GradientBuffer:
    def __init__(self, root_node, grad, capture=None):
        self.grads = {root_node: (grad, False)}  # node -> (gradient, whether this backward owns the array)
        self.capture = capture
        self.given = set()  # arrays now held by some leaf's .grad
        self.owned = False  # whether the gradient last taken is owned

    def __contains__(self, node):
        return node in self.grads

    def take(self, node):
        """The complete gradient of node's output, after its hooks (and retain_grad, capture)."""
        g, self.owned = self.grads.pop(node)
        if node.grad_hooks:
            g = self._run_hooks(node.grad_hooks, g)
        if self.capture is not None:
            if node in self.capture:
                self.capture[node] = g if self.owned else g.copy()
        elif node.retained is not None and node.retained() is not None:
            node.retained()._retain(g)
        return g

    def add(self, parent, g, made_with):
        """Add g into parent's gradient. `made_with`: (the upstream gradient, all the gradients the
        same backward returned), to tell whether g is this backward's own array."""
        upstream, siblings = made_with
        if parent not in self.grads:
            base, bases = array_base(g), [id(array_base(s)) for s in siblings if s is not None]
            owned = base is not array_base(upstream) and bases.count(id(base)) == 1 and owned_array(g)
            self.grads[parent] = (g, owned)
            return
        total, total_owned = self.grads[parent]  # a tensor used twice (a residual block's input): sum
        if total_owned and total.shape == g.shape and total.dtype == g.dtype:
            total += g  # in place: no temporary the size of the activation
        else:
            total = total + g
        self.grads[parent] = (total, True)

    def give_to_leaf(self, node, g):
        """A leaf's gradient is complete: its AccumulateGrad adds it into leaf.grad."""
        if self.capture is None:
            node.accumulate(g, self.owned, self.given)

    def _run_hooks(self, hooks, g):
        """Tensor.register_hook: each hook sees the gradient, as a Tensor, and may return another."""
        for hook, wrap in list(hooks.values()):
            result = hook(wrap(g))
            if result is not None:
                new = getattr(result, "array", result)
                if new.shape != g.shape:
                    raise RuntimeError(f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value: "
                                       f"{tuple(g.shape)} -> {tuple(new.shape)}")
                g, self.owned = new, False
        return g


def array_base(array):
    """The array that owns the memory: `array` itself, or the one it is a view of."""
    base = getattr(array, "base", None)
    return array if base is None else base


def owned_array(a):
    """A writable array with its own memory layout (not a broadcast view)."""
    return getattr(a.flags, "writeable", True)
