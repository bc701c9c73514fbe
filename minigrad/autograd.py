"""The autograd engine: grad mode, Function (one differentiable op), and backpropagation.

The graph is made of nodes. Every op that records a gradient creates one
`Function` node; its `next_functions` are the nodes that made its inputs. A
leaf tensor that requires grad is represented by its `AccumulateGrad` node
(cached on the leaf), whose only job is to add the gradient into `leaf.grad`.
So every edge points at a node, never at a Tensor: an intermediate tensor's
array is freed in the forward pass unless a backward saved it.

`backward(root, grad)` sorts the nodes (an explicit stack, so a 10,000-op
chain is fine), runs each node once after all its gradient has arrived, and
frees each node as it goes, unless `retain_graph=True`.

Nothing here knows the Tensor class: `Function.apply` wraps its output in the
class its tensor inputs name (`_result_class`), so the import graph runs
autograd <- ops <- tensor, never back up.
"""
import threading
import weakref

import numpy as np

# ---- grad mode: per thread, as in PyTorch --------------------------------------------------

_mode = threading.local()


def is_grad_enabled():
    return getattr(_mode, "enabled", True)


class set_grad_enabled:
    """Turn graph recording on or off, in this thread: a context manager, a decorator,
    or (called plainly) a switch, as torch.set_grad_enabled."""

    def __init__(self, mode=True):
        self.previous = is_grad_enabled()
        self.mode = bool(mode)
        _mode.enabled = self.mode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _mode.enabled = self.previous

    def __call__(self, fn):
        mode = self.mode
        _mode.enabled = self.previous  # used as a decorator: undo the switch made by __init__

        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class no_grad:
    """Inside this block (or decorated function) ops record no graph (evaluation,
    optimizer updates). Per thread."""
    mode = False

    def __enter__(self):
        self.previous = is_grad_enabled()
        _mode.enabled = self.mode

    def __exit__(self, *exc):
        _mode.enabled = self.previous

    def __call__(self, fn):
        cls = type(self)

        def wrapper(*args, **kwargs):
            with cls():
                return fn(*args, **kwargs)
        wrapper.__name__, wrapper.__doc__ = fn.__name__, fn.__doc__
        return wrapper


class inference_mode(no_grad):
    """torch.inference_mode: here the same as no_grad (no graph is recorded)."""

    def __init__(self, mode=True):
        self.mode = not mode


class enable_grad(no_grad):
    """Record the graph again inside a no_grad block."""
    mode = True


# ---- the graph's nodes ------------------------------------------------------------------------

class Node:
    """A node of the backward graph: `next_functions` holds, for each input, the node
    that made it (None where no gradient is needed)."""
    next_functions = ()
    grad_hooks = None  # Tensor.register_hook's hooks on the gradient of this node's tensor: {key: (hook, wrap)}

    @classmethod
    def op_name(cls):
        return cls.__name__


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient into leaf.grad."""

    def __init__(self, leaf):
        self.variable = weakref.ref(leaf)

    def accumulate(self, g, owned, given):
        """Copy on first, add in place after; never keep an array the engine did not create,
        nor one already handed to another leaf in this backward (`given`)."""
        leaf = self.variable()
        if leaf is None:
            return
        current = leaf._grad
        if current is None:
            if not owned or g.dtype != leaf.array.dtype or id(_base(g)) in given:
                g = g.astype(leaf.array.dtype, copy=True)
            given.add(id(_base(g)))
            leaf._grad = leaf._result_class._wrap(g)
        else:
            current.array += g
        for hook in list((leaf._post_accumulate_grad_hooks or {}).values()):
            hook(leaf)  # the leaf's gradient of this backward is complete (DistributedDataParallel starts here)


def _base(array):
    base = getattr(array, "base", None)
    return array if base is None else base


def _saved_versions(fn, tensors, out):
    """Which tensors' arrays a backward kept: their version now, to check at backward time."""
    bases = [_base(s) for s in fn.saved if s is not None]
    if not bases:
        return ()
    checks = []
    for t in (*tensors, out):
        if t is not None:
            b = _base(t.array)
            if any(s is b for s in bases):
                checks.append((t._version, t._version[0], t.array.dtype, t.array.shape))  # not t: no cycle
    return checks


class Function(Node):
    """One differentiable op, usable as torch.autograd.Function's simpler cousin.

    Subclasses write `forward(*arrays, **options)` and `backward(grad)` side by
    side, on numpy/cupy arrays. `forward` stores with `save_for_backward` only what
    `backward` needs, and may skip inputs that need no gradient
    (`self.needs_input_grad`). `backward` returns one gradient per input (or None),
    a fresh array, never one it will change later. `Function.apply(*inputs)` runs it
    on Tensors (other inputs are passed to forward as they are) and returns a Tensor.
    """
    saved = ()  # what save_for_backward kept
    _versions = ()
    is_view = False  # True when forward returns a view of input 0 (the output then shares its version)
    differentiable = True  # False: an op whose output never needs a gradient (argmax...)
    retained = None  # a weak reference to the output, when it asked for its gradient with retain_grad()

    def save_for_backward(self, *arrays):
        self.saved = arrays

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    name = None  # how errors refer to the op; defaults to the class name in lower case

    @classmethod
    def op_name(cls):
        return cls.name or cls.__name__.lower()

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on Tensors (arrays or numbers pass through), recording the graph if needed."""
        tensors = [x for x in inputs if hasattr(x, "_result_class")]
        if not tensors:
            raise TypeError(f"{cls.op_name()}: at least one input must be a Tensor")
        first = tensors[0]
        kind = type(first.array)
        for t in tensors:
            if type(t.array) is not kind:
                raise RuntimeError(
                    f"{cls.op_name()}: inputs are on different devices (cpu and cuda); "
                    "move them to one device first with .to('cuda') or .to('cpu')")
        fn = cls()
        record = cls.differentiable and is_grad_enabled() and any(t.requires_grad for t in tensors)
        if record:
            fn.needs_input_grad = tuple(getattr(x, "requires_grad", False) for x in inputs)
        else:
            fn.needs_input_grad = (False,) * len(inputs)
        with np.errstate(all="ignore"):  # inf and NaN come out silently, as in PyTorch (no RuntimeWarning)
            out = fn.forward(*(x.array if hasattr(x, "_result_class") else x for x in inputs), **options)
        wrap = first._result_class._wrap
        if not record or out.dtype.kind not in "fc":
            result = wrap(out)
        else:
            fn.next_functions = tuple(x._grad_node() if getattr(x, "requires_grad", False) else None
                                      for x in inputs)
            result = wrap(out, fn)
        if fn.is_view:  # a view shares the version counter (and memory) of its input, and
            result._version = first._version  # remembers how to remake itself from it
            result._view_of = (first, first._node, cls, options)
        if record and fn.saved:
            fn._versions = _saved_versions(fn, tensors, result)
        return result

    def check_versions(self):
        for box, version, dtype, shape in self._versions:
            if box[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: a {dtype} tensor of shape {tuple(shape)} saved by {self.op_name()} "
                    f"is at version {box[0]}; expected version {version} instead. Hint: clone it before "
                    "the in-place change (x = x.clone()) or use the out-of-place form (x = x + 1).")

    def release(self):
        """Drop everything this node holds once its backward has run."""
        self.next_functions = None
        self.saved = ()
        self._versions = ()


# ---- the engine --------------------------------------------------------------------------------

def backward(root_node, grad, retain_graph=False):
    """Backpropagate `grad` (the gradient of some scalar w.r.t. the root's output) from
    `root_node` to every leaf's AccumulateGrad, each node once, outputs before inputs."""
    grads = {root_node: (grad, False)}  # node -> (gradient, whether the engine owns the array)
    given = set()  # arrays now held by some leaf's .grad
    for node in _topological_order(root_node):
        g, owned = grads.pop(node, (None, False))
        if g is None:
            continue
        if node.grad_hooks:
            g, owned = _run_grad_hooks(node.grad_hooks, g, owned)
        if isinstance(node, AccumulateGrad):
            node.accumulate(g, owned, given)
            continue
        if node.next_functions is None:
            raise RuntimeError(
                f"backward() through {node.op_name()} a second time: its graph was freed by the first "
                "backward(). Recompute the forward pass, or call backward(retain_graph=True) the first time.")
        node.check_versions()
        if node.retained is not None and node.retained() is not None:
            node.retained()._retain(g)
        with np.errstate(all="ignore"):
            input_grads = node.backward(g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        g_base = _base(g)
        bases = [id(_base(gx)) for gx in input_grads if gx is not None]
        for parent, gx in zip(node.next_functions, input_grads):
            if parent is None or gx is None:
                continue
            # owned: made by this backward for this parent alone, not a view of the upstream
            # gradient (a pass-through) nor memory it also returned for another input
            owned = _base(gx) is not g_base and bases.count(id(_base(gx))) == 1 and owned_array(gx)
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
        for parent in node.next_functions or ():
            if parent is not None and parent not in seen:
                stack.append((parent, False))
    return order[::-1]
