"""Tensor: an array that can remember how it was computed, so it can be differentiated.

A Tensor wraps a numpy (cpu) or cupy (cuda) array, `.array`: the numbers
themselves. When it requires a gradient it also holds the node of the backward
graph that made it (`grad_fn`: the op's Function object, attached by `Function.apply` in
autograd/function.py when the op made this tensor; None for a leaf); `backward()` runs the
graph (autograd/engine.py) and leaves d(out)/d(leaf) in each leaf's `.grad`, itself a Tensor.
`.data` is PyTorch's: another Tensor over the same array, outside the graph.

This file holds what a Tensor *is*: its array and shape, the gradient and the Tensor's
place in the graph (`grad_fn`, `_grad_node`, `backward`, `detach`). The rest is mixed into the
class (defined with it, never patched on), one file per family of methods, which a first reading
may skip: PyTorch's further attributes (`tensor_attributes.py`: `.data`, `is_cuda`...), how data
becomes an array (`tensor_create.py`), the operators and type
promotion (`tensor_operators.py`), division with rounding modes
(`tensor_division.py`), elementwise maps (`tensor_math.py`, `tensor_special.py`),
reductions (`tensor_reduce.py`) and scans (`tensor_scan.py`), shapes and views
(`tensor_shape.py`), pieces (`tensor_pieces.py`: narrow, split, chunk), indexing
ops (`tensor_index.py`), in-place ops and their rules (`tensor_inplace.py`),
random fills (`tensor_random.py`), fills (`tensor_fill.py`), dtype and device moves and
Python's number protocol (`tensor_convert.py`), gradient hooks (`tensor_hooks.py`), and
PyTorch's further names (`tensor_aliases.py`, `tensor_maps.py`, `tensor_products.py`,
`tensor_order.py`, `tensor_scatter.py`); printing is in `printing.py`.
"""
import numpy as np

from . import array_module, dtypes
from .autograd import AccumulateGrad, backward as run_backward
from .autograd.saved_tensors import remake_stale_view
from .device import CPU, CUDA, device  # noqa: F401  (minigrad.device)
from .printing import format_tensor
from .size import Size
from .tensor_attributes import AttributeMethods
from .tensor_create import seed_gradient, to_array
from .tensor_aliases import AliasMethods
from .tensor_convert import ConvertMethods
from .tensor_maps import MapMethods
from .tensor_order import OrderMethods
from .tensor_products import ProductMethods
from .tensor_scatter import ScatterMethods
from .tensor_division import DivisionMethods
from .tensor_fill import FillMethods
from .tensor_hooks import HookMethods
from .tensor_index import IndexMethods
from .tensor_inplace import InPlaceMethods
from .tensor_math import MathMethods
from .tensor_operators import OperatorMethods
from .tensor_pieces import PieceMethods
from .tensor_random import RandomMethods
from .tensor_reduce import ReductionMethods
from .tensor_scan import ScanMethods
from .tensor_shape import ShapeMethods
from .tensor_special import SpecialMethods


class Tensor(AttributeMethods, OperatorMethods, DivisionMethods, MathMethods, SpecialMethods, ReductionMethods,
             ScanMethods, ShapeMethods, PieceMethods, IndexMethods, InPlaceMethods, FillMethods, RandomMethods,
             ConvertMethods, HookMethods, AliasMethods, MapMethods, ProductMethods, OrderMethods, ScatterMethods):
    """An n-dimensional array with autograd (PyTorch's Tensor, on numpy/cupy).

    `Tensor(data)` is PyTorch's legacy constructor: the result is float32 (unless
    `dtype=` says otherwise); `minigrad.tensor(data)` infers the dtype instead.
    Both copy the data; `minigrad.from_numpy(array)` shares it.
    """
    __array_priority__ = 1000  # numpy defers to Tensor's operators (array * Tensor)

    def __init__(self, *data, requires_grad=False, dtype=None, device=None):
        if len(data) != 1 or isinstance(data[0], int) and not isinstance(data[0], bool):
            # Tensor(2, 3): PyTorch's legacy "a tensor of this size"; here zero-filled
            shape = data[0] if len(data) == 1 and isinstance(data[0], (tuple, list)) else data
            data = (np.zeros(tuple(shape)),)
        array = to_array(data[0], dtype or dtypes.float32, device)
        self._init(array, None)
        if requires_grad:
            self.requires_grad_(True)

    def _init(self, array, node):
        if type(array) is not np.ndarray and isinstance(array, np.generic):
            array = np.asarray(array)  # a full reduction gives a numpy scalar: keep a 0-d array
        self.array = array
        self._node = node  # the Function that made this tensor; None for a leaf
        self.requires_grad = node is not None
        self._version = [0]  # shared with views: how many in-place changes the memory has seen

    # set per tensor only when needed (class defaults keep the per-op cost low)
    _grad = None
    _view_of = None  # (base, base's node then, view op, its options) when this tensor is a view
    _acc = None  # a leaf's AccumulateGrad node, made on first use

    @classmethod
    def _wrap(cls, array, node=None):
        """A Tensor around an op's output array, without any conversion (the hot path)."""
        out = cls.__new__(cls)
        out._init(array, node)
        return out

    # ---- what it is ---------------------------------------------------------------------
    shape = property(lambda self: Size(self.array.shape))
    dtype = property(lambda self: self.array.dtype)
    ndim = property(lambda self: self.array.ndim)
    is_leaf = property(lambda self: self._node is None)
    grad_fn = property(lambda self: self._node)

    @property
    def device(self):
        return CUDA if array_module.device_of(self.array) == "cuda" else CPU

    def size(self, dim=None):
        """The shape (a minigrad.Size, PyTorch's torch.Size), or the size of one dimension."""
        return Size(self.array.shape) if dim is None else self.array.shape[dim]

    def dim(self):
        return self.array.ndim

    def numel(self):
        return self.array.size

    # ---- the gradient ------------------------------------------------------------------
    @property
    def grad(self):
        """d(out)/d(self) after backward(): a Tensor without graph, or None."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                value = type(self)._wrap(value if hasattr(value, "shape") else np.asarray(value, self.dtype))
            if value.shape != self.shape:
                raise RuntimeError(f"assigned grad has shape {tuple(value.shape)}, but the tensor has "
                                   f"shape {tuple(self.shape)}")
        self._grad = value

    def _grad_node(self):
        """The node gradients flow into: the op that made it, or the leaf's accumulator."""
        if self._view_of is not None:  # a view: its base may have been changed in place since (saved_tensors.py)
            remake_stale_view(self)
        if self._node is not None:
            return self._node
        if self._acc is None:
            self._acc = AccumulateGrad(self)
        return self._acc

    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Compute d(self)/d(leaf) for every leaf that requires grad and add it to leaf.grad.

        `gradient` is d(some scalar)/d(self); a one-element tensor may omit it (it is 1).
        The graph is freed as it is used unless `retain_graph=True`.
        """
        if create_graph:
            raise RuntimeError("backward(create_graph=True): higher-order gradients are not supported by "
                               "minigrad (a deliberate difference from PyTorch)")
        if not self.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn: no input of the "
                "computation had requires_grad=True (or it ran inside no_grad())")
        grad = seed_gradient(self, gradient)  # dL/d(self): 1 for a one-element loss
        run_backward(self._grad_node(), grad, retain_graph=bool(retain_graph))

    _seed_gradient = seed_gradient  # autograd.grad's start, the same rule

    def detach(self):
        """The same data (shared memory and version), cut off from the graph."""
        out = self._result_class._wrap(self.array)  # a Parameter detaches to a plain Tensor, as in torch
        out._version = self._version
        return out

    def detach_(self):
        self._node, self.requires_grad = None, False
        return self

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.array.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {self.dtype}: "
                               "convert it first, e.g. x.float()")
        if not requires_grad and self._node is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables (use detach())")
        self.requires_grad = bool(requires_grad)
        return self

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return format_tensor(self)

Tensor._result_class = Tensor  # what Function.apply wraps its outputs in (Parameter's too)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new Tensor holding a copy of `data`. The dtype is inferred as PyTorch does: Python ints
    give int64, bools bool, floats float32 (float data of any dtype becomes float32 unless `dtype`
    says otherwise); integer arrays keep their dtype."""
    out = Tensor._wrap(to_array(data, dtype, device))
    if requires_grad:
        out.requires_grad_(True)
    return out


def from_numpy(array):
    """A Tensor sharing memory with a numpy array (its dtype kept, float64 included)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)
