"""The graph's nodes: `Function` (one differentiable op, forward beside backward, on arrays) and
`AccumulateGrad` (a leaf's node, which adds the gradient into `leaf.grad`). `Function.apply` runs an
op on Tensors and, when a gradient is needed, records its node with its `parents`: the nodes that
made its inputs. Saved arrays are checked against the version counter before backward uses them."""
import weakref

import numpy as np

from .grad_mode import is_grad_enabled


class Node:
    """A node of the backward graph: `parents` holds, for each input, the node that
    made it (None where no gradient is needed)."""
    parents = ()
    grad_hooks = None  # Tensor.register_hook's hooks on the gradient of this node's tensor: {key: (hook, wrap)}
    backward_name = None  # what PyTorch calls this node, where the derived name differs

    @classmethod
    def op_name(cls):
        return cls.__name__

    @property
    def next_functions(self):
        """PyTorch's view of the parents: (node, 0) pairs (each op here has one output)."""
        return tuple((parent, 0) for parent in self.parents or ())

    def name(self):
        """PyTorch's name of this node (grad_fn.name()): AddBackward0, AccumulateGrad..."""
        return self.backward_name or type(self).__name__

    def __repr__(self):
        return f"<{self.name()} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: adds the incoming gradient into leaf.grad."""
    backward_name = "AccumulateGrad"

    def __init__(self, leaf):
        self._leaf = weakref.ref(leaf)  # weak: the leaf holds its node

    @property
    def variable(self):
        """The leaf tensor (PyTorch's AccumulateGrad.variable)."""
        return self._leaf()

    def accumulate(self, g, owned, given):
        """Copy on first, add in place after; never keep an array the engine did not create,
        nor one already handed to another leaf in this backward (`given`)."""
        leaf = self._leaf()
        if leaf is None:
            return
        current = leaf._grad
        if current is None:
            if not owned or g.dtype != leaf.array.dtype or id(array_base(g)) in given:
                g = g.astype(leaf.array.dtype, copy=True)
            given.add(id(array_base(g)))
            leaf._grad = leaf._result_class._wrap(g)
        else:
            current.array += g
        for hook in list((leaf._post_accumulate_grad_hooks or {}).values()):
            hook(leaf)  # the leaf's gradient of this backward is complete (DistributedDataParallel starts here)


def array_base(array):
    base = getattr(array, "base", None)
    return array if base is None else base


def _saved_versions(fn, inputs, tensors, out):
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
    # inputs (by position) and "out" whose version backward checks although this op keeps only arrays
    # derived from them: PyTorch's backward keeps them, so it refuses after an in-place change to one
    versions_of = ()

    def save_for_backward(self, *arrays):
        self.saved = arrays

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    op = None  # how errors refer to the op; defaults to the class name in lower case

    @classmethod
    def op_name(cls):
        return cls.op or cls.__name__.lower()

    def name(self):  # mul -> MulBackward0, log_softmax -> LogSoftmaxBackward0, as PyTorch names them
        return self.backward_name or "".join(w.capitalize() for w in self.op_name().split("_")) + "Backward0"

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
            fn.parents = tuple(x._grad_node() if getattr(x, "requires_grad", False) else None for x in inputs)
            fn.result_shape, fn.result_dtype = out.shape, out.dtype
            result = wrap(out, fn)
        if fn.is_view:  # a view shares the version counter (and memory) of its input, and
            result._version = first._version  # remembers how to remake itself from it
            result._view_of = (first, first._node, cls, options)
        if record and (fn.saved or fn.versions_of):
            fn._versions = _saved_versions(fn, inputs, tensors, result)
        return result

    def check_versions(self):
        for box, version, dtype, shape in self._versions:
            if box[0] != version:
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by an inplace "
                    f"operation: a {dtype} tensor of shape {tuple(shape)} saved by {self.op_name()} "
                    f"is at version {box[0]}; expected version {version} instead. Hint: clone it before "
                    "the in-place change (x = x.clone()) or use the out-of-place form (x = x + 1).")

    freed = False  # True once release() dropped arrays this node's backward needs
    result_shape = result_dtype = None  # the shape and dtype of the output, for drawing the graph (minigrad/graph.py)

    def release(self):
        """Drop the arrays this node holds once its backward has run (saved inputs, masks): the
        memory goes back at once, as PyTorch frees a graph's saved tensors. Its edges and small
        attributes (shapes, dims) stay, so a second backward through ops that need no array
        (add, sum, reshape...) still works, as in PyTorch, and one that does says so."""
        held = [name for name, value in vars(self).items() if name == "saved" or _holds_array(value)]
        self.freed = self.freed or any(v is not None for v in self.saved) or len(held) > ("saved" in held)
        for name in held:
            delattr(self, name)
        self._versions = ()


def _holds_array(value):
    """An array (numpy or cupy, not a numpy scalar), or a tuple or list holding one."""
    if isinstance(value, (tuple, list)):
        return any(_holds_array(v) for v in value)
    return isinstance(value, np.ndarray) or hasattr(value, "__cuda_array_interface__")
