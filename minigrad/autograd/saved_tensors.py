"""The arrays a node saved for its backward: freed after use, checked before use. (A first reading
may skip this file; function.py's `save_for_backward` is the idea.)

`release` drops a node's saved arrays once its backward has run, as PyTorch frees a graph's saved
tensors. Two things can then make a saved array unusable, and PyTorch refuses both with a clear
error rather than compute a wrong gradient:
- an in-place change: every tensor carries a version counter (`t._version`, a one-element list
  shared with its views), bumped by each in-place op (tensor_inplace.py). When an op saves an
  array, `saved_versions` notes the version of each tensor behind it; `check_can_run` compares
  them at backward time.
- a second backward through a graph whose saved arrays `release()` already freed
  (backward(retain_graph=True) keeps them).
A view records how to remake itself from its base (`mark_view`), so that after an in-place
change to the base its history runs through the base's new history (`remake_stale_view`,
called by Tensor._grad_node).
"""
import numpy as np

from .buffers import array_base


def saved_versions(fn, inputs, tensors, out):
    """Which tensors' arrays a backward kept: their version now, to check at backward time. Also those
    PyTorch's backward of the op keeps where minigrad's keeps something derived (`fn.versions_of`),
    so that an in-place change to one is refused as PyTorch refuses it."""
    bases = [array_base(s) for s in fn.saved if s is not None]
    named = [out if k == "out" else inputs[k] for k in fn.versions_of if k == "out" or k < len(inputs)] \
        if fn.versions_of else ()
    if not bases and not named:
        return ()
    checks = []
    for t in (*tensors, out):
        if t is not None and hasattr(t, "_version"):
            b = array_base(t.array)
            if any(s is b for s in bases) or any(t is n for n in named):
                checks.append((t._version, t._version[0], t.array.dtype, t.array.shape))  # not t: no cycle
    return checks


def check_can_run(fn):
    """Refuse to run fn's backward on arrays that are gone or changed since its forward."""
    if fn.freed:
        raise RuntimeError(
            f"Trying to backward through the graph a second time: {fn.op_name()}'s saved values were "
            "freed by the first backward(). Recompute the forward pass, or call backward(retain_graph=True) "
            "the first time.")
    for box, version, dtype, shape in fn._versions:
        if box[0] != version:
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an inplace "
                f"operation: a {dtype} tensor of shape {tuple(shape)} saved by {fn.op_name()} "
                f"is at version {box[0]}; expected version {version} instead. Hint: clone it before "
                "the in-place change (x = x.clone()) or use the out-of-place form (x = x + 1).")


def remake_stale_view(view):
    """The base of this view was changed in place since the view was made: as PyTorch, the view's
    history now runs through the base's new history (the view op applied again to the base)."""
    base, base_node, op, options = view._view_of
    if base._node is not base_node:
        fresh = op.apply(base, **options)
        view._node, view.requires_grad, view._view_of = fresh._node, fresh.requires_grad, fresh._view_of


def mark_view(result, base, op, options):
    """A view shares the version counter (and memory) of its base, and remembers how to remake itself."""
    result._version = base._version
    result._view_of = (base, base._node, op, options)


def release(fn):
    """Drop the arrays fn holds once its backward has run (saved inputs, masks): the memory goes back
    at once. Its edges and small attributes (shapes, dims) stay, so a second backward through ops
    that need no array (add, sum, reshape...) still works, as in PyTorch, and one that does says so."""
    held = [name for name, value in vars(fn).items() if name == "saved" or _holds_array(value)]
    fn.freed = fn.freed or any(v is not None for v in fn.saved) or len(held) > ("saved" in held)
    for name in held:
        delattr(fn, name)
    fn._versions = ()


def _holds_array(value):
    """An array (numpy or cupy, not a numpy scalar), or a tuple or list holding one."""
    if isinstance(value, (tuple, list)):
        return any(_holds_array(v) for v in value)
    return isinstance(value, np.ndarray) or hasattr(value, "__cuda_array_interface__")
