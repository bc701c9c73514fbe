"""Seeing a tensor's gradient: PyTorch's `register_hook`, `register_post_accumulate_grad_hook` and
`retain_grad`.

`t.register_hook(hook)` calls hook(grad) when backward has computed the whole gradient with
respect to t (for a leaf: before it is added into .grad); a tensor the hook returns replaces
that gradient from there on. The hook lives on t's node (autograd.Node.grad_hooks).

The backward engine (minigrad/autograd/, AccumulateGrad) calls each hook once per
backward, as soon as the leaf's `.grad` holds all of that backward's gradient.
minigrad.distributed's DistributedDataParallel uses it to start averaging a bucket of
gradients across processes while backward is still computing the earlier layers'.

`t.retain_grad()` keeps a non-leaf tensor's gradient in its `.grad` (a leaf's is always kept).
"""
import weakref


class RemovableHandle:
    """Returned by a register_* call (this one, and nn.Module's forward hooks); `remove()` takes
    the hook away, and so does leaving a `with handle:` block, as PyTorch."""

    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class HookMethods:
    def retain_grad(self):
        """Keep this non-leaf tensor's gradient in .grad during backward (leaves always do)."""
        if self._node is not None:
            self._node.retained = weakref.ref(self)  # weak: the tensor already holds its node
        return self

    def _retain(self, g):
        g = g.astype(self.array.dtype, copy=True)
        if self._grad is None:
            self._grad = type(self)._wrap(g)
        else:
            self._grad.array += g

    _post_accumulate_grad_hooks = None  # {key: hook}, made on the first registration

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) in every backward() once this leaf's .grad is complete. Returns a handle
        with remove()."""
        if not self.is_leaf:
            raise RuntimeError("register_post_accumulate_grad_hook: only a leaf tensor (a parameter, not the "
                               "result of an op) accumulates a .grad; register the hook on the leaf")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = {}
        key = object()
        self._post_accumulate_grad_hooks[key] = hook
        return RemovableHandle(self._post_accumulate_grad_hooks, key)

    def register_hook(self, hook):
        """Call hook(grad) in every backward once the gradient with respect to this tensor is
        complete; a Tensor it returns is used instead (same shape). Returns a handle with remove()."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        node = self._grad_node()
        if node.grad_hooks is None:
            node.grad_hooks = {}
        key = object()
        node.grad_hooks[key] = (hook, type(self)._wrap)
        return RemovableHandle(node.grad_hooks, key)
