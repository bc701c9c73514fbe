"""The graph's nodes: `Function`, one differentiable op with its forward beside its backward, and
`AccumulateGrad`, a leaf's node, which adds the gradient into `leaf.grad`.

`Function.apply(*inputs)` runs an op's forward on the inputs' arrays and, when some input requires
a gradient, records the op as a node of the graph: the op object itself, holding what its forward
saved for backward, with `parents`, the nodes that made its inputs. The output Tensor points at it
(`grad_fn`). Backward (engine.py) later walks these nodes from the loss back to the leaves.
"""
import weakref

import numpy as np

from . import saved_tensors
from .buffers import array_base
from .grad_mode import is_grad_enabled


class Node:
    """A node of the backward graph: `parents` holds, for each input, the node that
    made it (None where no gradient is needed)."""
    parents = ()
    grad_hooks = None  # Tensor.register_hook's hooks on the gradient of this node's tensor: {key: (hook, wrap)}
    retained = None  # a weak reference to the output, when it asked for its gradient with retain_grad()
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
        """The first gradient becomes leaf.grad, later ones add into it (`leaf.grad += g`): that is why
        training loops call zero_grad(). The first is copied unless the engine owns it (`owned`) and
        no other leaf holds it (`given`; buffers.py explains ownership)."""
        leaf = self._leaf()
        if leaf is None:
            return
        if leaf._grad is None:
            if not owned or g.dtype != leaf.array.dtype or id(array_base(g)) in given:
                g = g.astype(leaf.array.dtype, copy=True)
            given.add(id(array_base(g)))
            leaf._grad = leaf._result_class._wrap(g)
        else:
            leaf._grad.array += g
        for hook in list((leaf._post_accumulate_grad_hooks or {}).values()):
            hook(leaf)  # the leaf's gradient of this backward is complete (DistributedDataParallel starts here)


class Function(Node):
    """One differentiable op, usable as torch.autograd.Function's simpler cousin.

    Subclasses write `forward(*arrays, **options)` and `backward(grad)` side by
    side, on numpy/cupy arrays. `forward` stores with `save_for_backward` only what
    `backward` needs, and may skip inputs that need no gradient
    (`self.needs_input_grad`). `backward` returns one gradient per input (or None), an
    array it will not change later: a new one, or `grad` itself passed through (add's; the
    engine never adds into an array it did not make). `Function.apply(*inputs)` runs it
    on Tensors (other inputs are passed to forward as they are) and returns a Tensor.
    """
    saved = ()  # what save_for_backward kept
    is_view = False  # True when forward returns a view of input 0 (the output then shares its version)
    differentiable = True  # False: an op whose output never needs a gradient (argmax...)
    op = None  # how errors refer to the op; defaults to the class name in lower case
    result_shape = result_dtype = None  # the output's shape and dtype, for drawing the graph (graph.py)
    # PyTorch fidelity, in saved_tensors.py: the versions of the saved tensors; whether release() freed them;
    # inputs (by position) and "out" whose version backward checks although this op keeps only arrays
    # derived from them (PyTorch's backward keeps them, so it refuses after an in-place change to one)
    _versions, freed, versions_of = (), False, ()

    def save_for_backward(self, *arrays):
        self.saved = arrays

    def forward(self, *arrays, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    @classmethod
    def apply(cls, *inputs, **options):
        """Run the op on Tensors (arrays or numbers pass through), recording the graph if needed."""
        tensors = _tensors_on_one_device(cls, inputs)
        fn = cls()
        record = cls.differentiable and is_grad_enabled() and any(t.requires_grad for t in tensors)
        fn.needs_input_grad = tuple(record and getattr(x, "requires_grad", False) for x in inputs)
        with np.errstate(all="ignore"):  # inf and NaN come out silently, as in PyTorch (no RuntimeWarning)
            out = fn.forward(*(x.array if hasattr(x, "_result_class") else x for x in inputs), **options)
        wrap = tensors[0]._result_class._wrap
        if not record or out.dtype.kind not in "fc":  # no gradient needed (integers never have one)
            result = wrap(out)
        else:  # a node of the graph: it remembers the nodes that made its inputs
            fn.parents = tuple(x._grad_node() if getattr(x, "requires_grad", False) else None for x in inputs)
            fn.result_shape, fn.result_dtype = out.shape, out.dtype
            result = wrap(out, fn)
        if fn.is_view:
            saved_tensors.mark_view(result, tensors[0], cls, options)
        if record and (fn.saved or fn.versions_of):
            fn._versions = saved_tensors.saved_versions(fn, inputs, tensors, result)
        return result

    def check_can_run(self):
        saved_tensors.check_can_run(self)

    def release(self):
        saved_tensors.release(self)

    @classmethod
    def op_name(cls):
        return cls.op or cls.__name__.lower()

    def name(self):  # mul -> MulBackward0, log_softmax -> LogSoftmaxBackward0, as PyTorch names them
        return self.backward_name or "".join(w.capitalize() for w in self.op_name().split("_")) + "Backward0"


def _tensors_on_one_device(cls, inputs):
    """The inputs that are Tensors (at least one), all on one device."""
    tensors = [x for x in inputs if hasattr(x, "_result_class")]
    if not tensors:
        raise TypeError(f"{cls.op_name()}: at least one input must be a Tensor")
    kind = type(tensors[0].array)
    if any(type(t.array) is not kind for t in tensors):
        raise RuntimeError(f"{cls.op_name()}: inputs are on different devices (cpu and cuda); "
                           "move them to one device first with .to('cuda') or .to('cpu')")
    return tensors
