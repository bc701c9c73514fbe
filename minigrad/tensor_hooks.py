"""Hooks on a leaf's gradient: PyTorch's `register_post_accumulate_grad_hook`.

The backward engine (minigrad/autograd.py, AccumulateGrad) calls each hook once per
backward, as soon as the leaf's `.grad` holds all of that backward's gradient.
minigrad.distributed's DistributedDataParallel uses it to start averaging a bucket of
gradients across processes while backward is still computing the earlier layers'.
"""


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
