"""The autograd engine: Tensor, Function and backpropagation.

A `Tensor` wraps an array (`.data`) and, when it needs a gradient, remembers
the `Function` that produced it. Each Function has a `forward` on arrays and a
hand-written `backward` that turns the gradient of its output into gradients
of its inputs (the chain rule, one op at a time). `Tensor.backward()` sorts the
graph so that every node has received all of its gradient contributions before
it passes them on, runs each Function's backward once, and frees the graph as
it goes, so that a finished backward leaves no activations alive.
"""
import contextlib

import numpy as np

from . import backend

# ---- graph recording switch -----------------------------------------------------------

_grad_enabled = True


def is_grad_enabled():
    return _grad_enabled


@contextlib.contextmanager
def no_grad():
    """Inside this block ops record no graph (evaluation, optimizer updates)."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, False
    try:
        yield
    finally:
        _grad_enabled = previous


# ---- dtypes ---------------------------------------------------------------------------

def _is_float(dtype):
    return np.issubdtype(dtype, np.floating)


def _as_array(data, dtype=None, device=None):
    """Turn anything array-like into a numpy/cupy array with minigrad's dtype rules:
    floats become float32 unless `dtype` says otherwise; integers and bools stay."""
    if isinstance(data, Tensor):
        data = data.data
    if device is None:
        device = backend.device_of(data)
    xp = backend.xp_for(device)
    if backend.device_of(data) != device:
        data = backend.to_device(data, device) if hasattr(data, "shape") else data
    array = xp.asarray(data)
    if dtype is not None:
        return array.astype(dtype, copy=False)
    if _is_float(array.dtype) and array.dtype != np.float32:
        return array.astype(np.float32)
    return array


class Tensor:
    """An array that can remember how it was computed, so it can be differentiated.

    `data` is a numpy (cpu) or cupy (cuda) array; `grad` is None or an array of the
    same shape, dtype and device, accumulated by every `backward()` until zeroed.
    """
    __array_priority__ = 1000  # make numpy defer to Tensor's operators (array * Tensor)

    def __init__(self, data, requires_grad=False, dtype=None, device=None):
        self.data = _as_array(data, dtype, device)
        if requires_grad and not _is_float(self.data.dtype):
            raise TypeError(
                f"only floating-point tensors can require a gradient, got dtype {self.data.dtype}: "
                "convert it first, e.g. Tensor(data, dtype=np.float32)")
        self.requires_grad = bool(requires_grad)
        self.grad = None
        self._fn = None  # the Function that produced this tensor (None for leaves)

    @classmethod
    def _from_op(cls, array, fn):
        """Wrap an op's output array without any conversion (the hot path)."""
        out = cls.__new__(cls)
        out.data, out.grad = array, None
        out.requires_grad = fn is not None
        out._fn = fn
        return out

    # ---- what it is -------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    size = property(lambda self: self.data.size)
    device = property(lambda self: backend.device_of(self.data))
    is_leaf = property(lambda self: self._fn is None)

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        dev = ", device='cuda'" if self.device == "cuda" else ""
        body = np.array2string(self.numpy(), precision=4, separator=", ", threshold=20)
        return f"tensor({body}{dev}{grad})"

    # ---- moving between host and device --------------------------------------------------
    def numpy(self):
        """The data as a numpy array on the host (a copy from the GPU)."""
        return backend.to_device(self.data, "cpu")

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element, this one has shape {self.shape}")
        return self.data.reshape(()).item()

    def tolist(self):
        return self.numpy().tolist()

    def detach(self):
        """The same data, cut off from the graph (no gradient flows through it)."""
        return Tensor._from_op(self.data, None)

    def to(self, device):
        """A copy on 'cpu' or 'cuda'; gradients flow back to the original."""
        if device == self.device:
            return self
        from .ops.shapes import ToDevice
        return ToDevice.apply(self, device=backend.check_device(device))

    def cpu(self):
        return self.to("cpu")

    def cuda(self):
        return self.to("cuda")

    def float(self):
        return self if self.dtype == np.float32 else self.astype(np.float32)

    def astype(self, dtype):
        from .ops.shapes import AsType
        return AsType.apply(self, dtype=np.dtype(dtype))

    _post_accumulate_grad_hooks = None  # {key: hook}, set by register_post_accumulate_grad_hook

    def register_post_accumulate_grad_hook(self, hook):
        """Call hook(self) in every backward() once this leaf's .grad holds all of that backward's
        gradient (PyTorch's name and timing). DistributedDataParallel uses it to start averaging a
        gradient while backward is still computing the others. Returns a handle with remove()."""
        if not self.is_leaf:
            raise RuntimeError("register_post_accumulate_grad_hook: only a leaf tensor (a parameter, not the "
                               "result of an op) accumulates a .grad; register the hook on the leaf")
        if self._post_accumulate_grad_hooks is None:
            self._post_accumulate_grad_hooks = {}
        key = object()
        self._post_accumulate_grad_hooks[key] = hook
        return _HookHandle(self._post_accumulate_grad_hooks, key)

    def requires_grad_(self, requires_grad=True):
        if requires_grad and not _is_float(self.dtype):
            raise TypeError(f"only floating-point tensors can require a gradient, got dtype {self.dtype}")
        self.requires_grad = requires_grad
        return self

    # ---- backpropagation --------------------------------------------------------------
    def backward(self, grad=None):
        """Compute d(self)/d(leaf) for every leaf that requires a gradient, add it to leaf.grad.

        `grad` is the gradient of some final scalar with respect to `self`; a
        scalar tensor may omit it (it is 1). The graph is freed as it is used.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a tensor that does not require grad: no input of the computation "
                "had requires_grad=True (or it ran inside no_grad())")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient works only on a scalar, but this tensor has shape "
                    f"{self.shape}: reduce it first (e.g. loss.sum() or loss.mean()), or pass "
                    f"backward(grad) with an array of shape {self.shape}")
            grad = backend.get_array_module(self.data).ones_like(self.data)
        else:
            grad = _as_array(grad, self.dtype, self.device)
            if grad.shape != self.shape:
                raise ValueError(f"backward(grad): grad has shape {grad.shape}, but the tensor has shape {self.shape}")
        _backpropagate(self, grad)

    # ---- operators (each defined in minigrad/ops) -------------------------------------------
    def __getitem__(self, index):
        from .ops.shapes import GetItem
        return GetItem.apply(self, index=_index_arrays(index))

    def __hash__(self):
        return id(self)

    # Comparisons give plain boolean Tensors without a gradient.
    def _compare(self, other, op):
        other = other.data if isinstance(other, Tensor) else other
        return Tensor._from_op(op(self.data, other), None)

    __eq__ = lambda self, other: self._compare(other, lambda a, b: a == b)
    __ne__ = lambda self, other: self._compare(other, lambda a, b: a != b)
    __lt__ = lambda self, other: self._compare(other, lambda a, b: a < b)
    __le__ = lambda self, other: self._compare(other, lambda a, b: a <= b)
    __gt__ = lambda self, other: self._compare(other, lambda a, b: a > b)
    __ge__ = lambda self, other: self._compare(other, lambda a, b: a >= b)

    def argmax(self, dim=None, keepdim=False):
        """Indices of the largest values (an integer Tensor, no gradient)."""
        xp = backend.get_array_module(self.data)
        out = xp.argmax(self.data, axis=dim)
        if keepdim and dim is not None:
            out = xp.expand_dims(out, dim)
        return Tensor._from_op(out, None)


class _HookHandle:
    def __init__(self, hooks, key):
        self.hooks, self.key = hooks, key

    def remove(self):
        self.hooks.pop(self.key, None)


def _run_post_accumulate_grad_hooks(leaf):
    for hook in list((leaf._post_accumulate_grad_hooks or {}).values()):
        hook(leaf)


def _index_arrays(index):
    """Indexing may use Tensors; the op wants their arrays."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


def tensor(data, requires_grad=False, dtype=None, device=None):
    """Make a Tensor: float data becomes float32 unless `dtype` is given, ints stay ints."""
    return Tensor(data, requires_grad=requires_grad, dtype=dtype,
                  device=None if device is None else backend.check_device(device))


# ---- Function: one differentiable op ---------------------------------------------------------

class Function:
    """One differentiable op. Subclasses write `forward(*arrays, **options)` and
    `backward(grad)`, side by side. `forward` stores with `save_for_backward` only
    what `backward` will need, and may skip that for inputs that need no gradient
    (`self.needs_input_grad`). `backward` returns one gradient per input, or None.
    """
    name = None  # how errors refer to the op; defaults to the class name in lower case
    saved = ()  # what save_for_backward kept

    def save_for_backward(self, *arrays):
        self.saved = arrays

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @classmethod
    def op_name(cls):
        return cls.name or cls.__name__.lower()

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on Tensors (or numbers), and record it in the graph if needed."""
        tensors = _as_tensors(cls, inputs)
        fn = cls()
        record = _grad_enabled and any(t.requires_grad for t in tensors)
        fn.needs_input_grad = tuple(record and t.requires_grad for t in tensors)
        out = fn.forward(*(t.data for t in tensors), **options)
        if not record:
            return Tensor._from_op(out, None)
        # The graph's edges: for each input, the Function that made it, or the leaf Tensor
        # itself (whose .grad receives the result). Never an intermediate Tensor, so its
        # array is freed as soon as no one else holds it, unless a backward saved it.
        fn.parents = tuple((t._fn or t) if t.requires_grad else None for t in tensors)
        return Tensor._from_op(out, fn)

    def release(self):
        """Drop everything this node holds once its backward has run."""
        self.parents = None
        self.saved = ()


def _as_tensors(cls, inputs):
    """Check that an op's inputs share one device, turn numbers into constant Tensors
    of the same dtype, and make integer inputs float (differentiable ops are float)."""
    tensors = [x for x in inputs if isinstance(x, Tensor)]
    devices = {t.device for t in tensors}
    if len(devices) > 1:
        raise RuntimeError(
            f"{cls.op_name()}: inputs are on different devices (cpu and cuda); "
            "move them to one device first with .to('cuda') or .to('cpu')")
    floats = [t.dtype for t in tensors if _is_float(t.dtype)]
    dtype = floats[0] if floats else np.dtype(np.float32)
    device = tensors[0].device if tensors else "cpu"
    out = []
    for x in inputs:
        if not isinstance(x, Tensor):
            x = Tensor._from_op(backend.xp_for(device).asarray(x, dtype=dtype), None)
        elif not _is_float(x.dtype):
            x = Tensor._from_op(x.data.astype(dtype), None)
        out.append(x)
    return out


def _backpropagate(root, grad):
    """Run every Function's backward once, outputs before inputs, then free it."""
    given = set()  # arrays already handed to a leaf as its .grad
    if root._fn is None:  # backward() on a leaf: its gradient is the given one
        _accumulate(root, grad, given)
        _run_post_accumulate_grad_hooks(root)
        return
    grads = {id(root._fn): grad}
    order = _topological_order(root._fn)
    waiting = _hooked_leaf_edges(order)
    for fn in order:
        g = grads.pop(id(fn), None)
        if g is None:
            _leaf_edges_done(fn, waiting)
            continue
        if fn.parents is None:
            raise RuntimeError(
                f"backward() through {fn.op_name()} a second time: its graph was freed by the first "
                "backward(). Recompute the forward pass before calling backward() again.")
        input_grads = fn.backward(g)
        if not isinstance(input_grads, tuple):
            input_grads = (input_grads,)
        for parent, gx in zip(fn.parents, input_grads):
            if parent is None or gx is None:
                continue
            if isinstance(parent, Tensor):  # a leaf
                _accumulate(parent, gx, given)
                if id(parent) in waiting:
                    waiting[id(parent)][1] = True
            else:
                key = id(parent)
                grads[key] = gx if key not in grads else grads[key] + gx
        _leaf_edges_done(fn, waiting)
        fn.release()


def _hooked_leaf_edges(order):
    """For each leaf with a post-accumulate-grad hook: [edges into it still to run, got a gradient]."""
    waiting = {}
    for fn in order:
        for parent in fn.parents or ():
            if isinstance(parent, Tensor) and parent._post_accumulate_grad_hooks:
                waiting.setdefault(id(parent), [0, False])[0] += 1
    return waiting


def _leaf_edges_done(fn, waiting):
    """fn has passed its gradients on: a hooked leaf with no edge left holds its whole gradient."""
    if not waiting:
        return
    for parent in fn.parents or ():
        if isinstance(parent, Tensor) and id(parent) in waiting:
            entry = waiting[id(parent)]
            entry[0] -= 1
            if entry[0] == 0:
                del waiting[id(parent)]
                if entry[1]:
                    _run_post_accumulate_grad_hooks(parent)


def _accumulate(leaf, g, given):
    """leaf.grad += g, never in place (an array may be shared), never aliasing another leaf's."""
    if leaf.grad is not None:
        leaf.grad = leaf.grad + g
        return
    owned = g.base is None and id(g) not in given and g.dtype == leaf.dtype
    leaf.grad = g if owned else g.astype(leaf.dtype, copy=True)
    given.add(id(leaf.grad))


def _topological_order(root):
    """Functions reachable from root, each before every Function that made its inputs.
    An explicit stack rather than recursion, so a 10,000-op chain is fine."""
    order, seen = [], set()
    stack = [(root, False)]
    while stack:
        fn, parents_done = stack.pop()
        if parents_done:
            order.append(fn)
            continue
        if id(fn) in seen:
            continue
        seen.add(id(fn))
        stack.append((fn, True))
        for parent in fn.parents or ():
            if isinstance(parent, Function) and id(parent) not in seen:
                stack.append((parent, False))
    return order[::-1]
