"""Tensor: an array that can remember how it was computed, so it can be differentiated.

A Tensor wraps a numpy (cpu) or cupy (cuda) array, `.array`: the numbers
themselves. When it requires a gradient it also holds the node of the backward
graph that made it (`grad_fn`; see minigrad/autograd/); `backward()` runs the
graph and leaves d(out)/d(leaf) in each leaf's `.grad`, itself a Tensor.
`.data` is PyTorch's: another Tensor over the same array, outside the graph.

This file holds what a Tensor *is*: construction, its array and shape, the gradient and
the Tensor's place in the graph. The rest is mixed into the class (defined with
it, never patched on), one file per family of methods: the operators and type
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
import weakref

import numpy as np

from . import backend, dtypes, shared_arrays
from .autograd import AccumulateGrad, backward as run_backward
from .device import CPU, CUDA, device  # noqa: F401  (minigrad.device)
from .printing import format_tensor
from .size import Size
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


def _numbers(data, dtype, kept):
    """A list's Tensors as the numbers they hold, as torch.tensor reads them: one-element tensors only,
    each keeping its dtype (a float64 tensor's number stays float64: `kept` records it)."""
    if isinstance(data, Tensor):
        if data.array.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        if dtype is not None and dtype.kind in "iub" and data.dtype.kind == "f":
            raise TypeError("only integer tensors of a single element can be converted to an index")
        kept.add(data.dtype)
        return backend.to_device(data.array, "cpu").reshape(())
    if isinstance(data, (list, tuple)):
        return [_numbers(d, dtype, kept) for d in data]
    return data


def _to_array(data, dtype, dev):
    """Anything array-like as a new array on `dev` (a copy, as torch.tensor makes)."""
    dtype, kept = dtypes.as_dtype(dtype), set()
    if isinstance(data, Tensor):
        data = data.array
    elif isinstance(data, (list, tuple)):
        data = _numbers(data, dtype, kept)
    if not hasattr(data, "dtype"):  # Python numbers: checked as torch.tensor reads them
        data = dtypes.from_python(data, dtype)
    source = backend.device_of(data)
    dev = source if dev is None else backend.check_device(str(device(dev)))
    if dev != source:
        data = backend.to_device(data, dev)
    xp = backend.xp_for(dev)
    array = xp.array(data, dtype=dtype)
    if dtype is not None:
        return array
    if array.dtype.kind == "f" and array.dtype != dtypes.float32 and dtypes.float64 not in kept:
        with np.errstate(over="ignore"):  # 1e39 is inf in float32, silently as in PyTorch
            array = array.astype(dtypes.float32)  # minigrad's rule: float data becomes float32
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"cannot make a tensor from data of dtype {array.dtype}: give numbers or a numeric array")
    return array


class Tensor(OperatorMethods, DivisionMethods, MathMethods, SpecialMethods, ReductionMethods, ScanMethods,
             ShapeMethods, PieceMethods, IndexMethods, InPlaceMethods, FillMethods, RandomMethods, ConvertMethods,
             HookMethods, AliasMethods, MapMethods, ProductMethods, OrderMethods, ScatterMethods):
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
        array = _to_array(data[0], dtype or dtypes.float32, device)
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
    is_cuda = property(lambda self: backend.device_of(self.array) == "cuda")
    is_cpu = property(lambda self: backend.device_of(self.array) != "cuda")
    is_xpu = is_mps = is_meta = is_xla = is_ipu = is_maia = is_mtia = is_vulkan = property(lambda self: False)
    is_sparse = is_sparse_csr = is_quantized = is_nested = is_mkldnn = property(lambda self: False)  # as torch's
    itemsize = property(lambda self: self.array.dtype.itemsize)
    is_floating_point = lambda self: self.array.dtype.kind == "f"

    @property
    def device(self):
        return CUDA if backend.device_of(self.array) == "cuda" else CPU

    def size(self, dim=None):
        """The shape (a minigrad.Size, PyTorch's torch.Size), or the size of one dimension."""
        return Size(self.array.shape) if dim is None else self.array.shape[dim]

    def dim(self):
        return self.array.ndim

    ndimension = dim

    def numel(self):
        return self.array.size

    def share_memory_(self):
        """The numbers moved into memory other processes share (shared_arrays.py), in place, as torch's;
        a no-op if already shared, and on the GPU (torch would use CUDA IPC)."""
        if backend.device_of(self.array) != "cuda" and not shared_arrays.is_shared(self.array):
            self.array = shared_arrays.share(self.array)
        return self

    is_shared = lambda self: shared_arrays.is_shared(self.array)  # noqa: E731

    nelement = numel

    def element_size(self):
        return self.array.dtype.itemsize

    @property
    def data(self):
        """PyTorch's `.data`: a Tensor over the same array, outside the graph; autograd does not
        see its in-place changes (its version counter is its own). The array itself is `.array`."""
        return self._result_class._wrap(self.array)

    @data.setter
    def data(self, value):  # t.data = other: t now holds other's array, as PyTorch
        if not isinstance(value, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(value).__name__} "
                            "(the numpy/cupy array itself is t.array)")
        self.array = value.array

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
        view = self._view_of
        if view is not None and view[0]._node is not view[1]:
            self._remake_view()
        if self._node is not None:
            return self._node
        if self._acc is None:
            self._acc = AccumulateGrad(self)
        return self._acc

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

    def _remake_view(self):
        """The base of this view was changed in place since the view was made: as PyTorch,
        the view's history now runs through the base's new history."""
        base, _, op, options = self._view_of
        fresh = op.apply(base, **options)
        self._node, self.requires_grad, self._view_of = fresh._node, fresh.requires_grad, fresh._view_of

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
        grad = self._seed_gradient(gradient)
        run_backward(self._grad_node(), grad, retain_graph=bool(retain_graph))

    def _seed_gradient(self, gradient):
        """The array backward starts from: d(some scalar)/d(self), 1 for a one-element tensor."""
        if gradient is None:
            if self.array.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but this tensor has shape "
                    f"{tuple(self.shape)}: reduce it first (loss.sum() or loss.mean()), or pass "
                    f"backward(gradient) with a tensor of shape {tuple(self.shape)}")
            return backend.get_array_module(self.array).ones_like(self.array)
        grad = gradient.array if isinstance(gradient, Tensor) else gradient
        grad = backend.xp_for(backend.device_of(self.array)).asarray(
            backend.to_device(grad, backend.device_of(self.array)) if hasattr(grad, "shape") else grad,
            dtype=self.dtype)
        if grad.shape != self.shape:
            raise RuntimeError(f"backward(gradient): gradient has shape {tuple(grad.shape)}, but the tensor "
                               f"has shape {tuple(self.shape)}")
        return grad

    def __deepcopy__(self, memo):
        """As PyTorch: a leaf copies into a new leaf (values, requires_grad, .grad); a tensor in the graph refuses."""
        if self._node is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                               "protocol at the moment.")
        if id(self) not in memo:
            out = type(self)._wrap(self.array.copy())
            out.requires_grad = self.requires_grad
            memo[id(self)] = out
            out._grad = None if self._grad is None else self._grad.__deepcopy__(memo)
        return memo[id(self)]

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

    def __array__(self, dtype=None, copy=None):  # np.array(t) copies (numpy asks with copy=True), np.asarray shares
        array = self._host() if dtype is None else self._host().astype(dtype)
        return array.copy() if copy and dtype is None else array

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return format_tensor(self)

Tensor._result_class = Tensor  # what Function.apply wraps its outputs in (Parameter's too)


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new Tensor holding a copy of `data`. The dtype is inferred as PyTorch does: Python ints
    give int64, bools bool, floats float32 (float data of any dtype becomes float32 unless `dtype`
    says otherwise); integer arrays keep their dtype."""
    out = Tensor._wrap(_to_array(data, dtype, device))
    if requires_grad:
        out.requires_grad_(True)
    return out


def from_numpy(array):
    """A Tensor sharing memory with a numpy array (its dtype kept, float64 included)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    return Tensor._wrap(array)
