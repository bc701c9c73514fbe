"""Tensor: an array that can remember how it was computed, so it can be differentiated.

A Tensor wraps a numpy (cpu) or cupy (cuda) array, `.data`. When it requires a
gradient it also holds the node of the backward graph that made it (`grad_fn`;
see minigrad/autograd.py); `backward()` runs the graph and leaves d(out)/d(leaf)
in each leaf's `.grad`, itself a Tensor.

This file holds what a Tensor *is*: construction, dtype and device moves,
Python's number protocol, printing, item assignment and the rules of in-place
ops. Its maths and shape methods live in `tensor_math.py` and
`tensor_shape.py`, mixed into the class (defined with it, never patched on).

In-place ops follow PyTorch's rules. They change the tensor's own array, so
every view sees the change. A version counter, shared by a tensor and its
views, lets backward() refuse to use an array that was modified after a
backward saved it. On a tensor in the graph, an in-place op rewrites the
tensor's history (the graph continues from the new value).
"""
import numpy as np

from . import backend, dtypes
from .autograd import AccumulateGrad, backward as run_backward, is_grad_enabled
from .autograd import Function, no_grad  # noqa: F401  (older modules import them from here)
from .ops.shapes import AsType, GetItem, IndexPut, ToDevice
from .tensor_math import MathMethods
from .tensor_shape import ShapeMethods


class device(str):
    """A device name, 'cpu' or 'cuda', that compares equal to the plain string
    (torch.device('cuda') == 'cuda' is False in torch; here both spellings work)."""

    def __new__(cls, type, index=None):
        name = str(type).split(":")[0]
        if name not in backend.DEVICES:
            raise ValueError(f"unknown device {type!r}: use 'cpu' or 'cuda'")
        return super().__new__(cls, name)

    @property
    def type(self):
        return str(self)

    def __repr__(self):
        return f"device(type='{self}')"


CPU, CUDA = device("cpu"), device("cuda")


def _to_array(data, dtype, dev):
    """Anything array-like as a new array on `dev` (a copy, as torch.tensor makes)."""
    if isinstance(data, Tensor):
        data = data.data
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in data):
        data = [d.numpy() if isinstance(d, Tensor) else d for d in data]
    source = backend.device_of(data)
    dev = source if dev is None else backend.check_device(str(device(dev)))
    if dev != source:
        data = backend.to_device(data, dev) if hasattr(data, "shape") else data
    xp = backend.xp_for(dev)
    if dtype is None:
        array = xp.array(data)
        if array.dtype.kind == "f" and array.dtype != dtypes.float32:
            array = array.astype(dtypes.float32)  # minigrad's rule: float data becomes float32
        elif array.dtype.kind not in "biuf":
            raise TypeError(f"cannot make a tensor from data of dtype {array.dtype}: give numbers or a numeric array")
        return array
    return xp.array(data, dtype=dtypes.as_dtype(dtype))


class Tensor(MathMethods, ShapeMethods):
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
        self.data = array
        self._grad = None
        self._node = node  # the Function that made this tensor; None for a leaf
        self.requires_grad = node is not None
        self._version = [0]  # shared with views: how many in-place changes the memory has seen
        self._view_of = None  # (base tensor, index or None) when this tensor is a view
        self._acc = None  # a leaf's AccumulateGrad node, made on first use

    @classmethod
    def _wrap(cls, array, node=None):
        """A Tensor around an op's output array, without any conversion (the hot path)."""
        out = cls.__new__(cls)
        out._init(array, node)
        return out

    # ---- what it is ---------------------------------------------------------------------
    shape = property(lambda self: self.data.shape)
    dtype = property(lambda self: self.data.dtype)
    ndim = property(lambda self: self.data.ndim)
    is_leaf = property(lambda self: self._node is None)
    grad_fn = property(lambda self: self._node)
    is_cuda = property(lambda self: backend.device_of(self.data) == "cuda")
    itemsize = property(lambda self: self.data.dtype.itemsize)
    is_floating_point = lambda self: self.data.dtype.kind == "f"

    @property
    def device(self):
        return CUDA if backend.device_of(self.data) == "cuda" else CPU

    def size(self, dim=None):
        """The shape (a tuple), or the size of one dimension."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def dim(self):
        return self.data.ndim

    ndimension = dim

    def numel(self):
        return self.data.size

    nelement = numel

    def element_size(self):
        return self.data.dtype.itemsize

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
            self._node.retained = self
        return self

    def _retain(self, g):
        g = g.astype(self.data.dtype, copy=True)
        if self._grad is None:
            self._grad = type(self)._wrap(g)
        else:
            self._grad.data += g

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
        if gradient is None:
            if self.data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but this tensor has shape "
                    f"{tuple(self.shape)}: reduce it first (loss.sum() or loss.mean()), or pass "
                    f"backward(gradient) with a tensor of shape {tuple(self.shape)}")
            grad = backend.get_array_module(self.data).ones_like(self.data)
        else:
            grad = gradient.data if isinstance(gradient, Tensor) else gradient
            grad = backend.xp_for(backend.device_of(self.data)).asarray(
                backend.to_device(grad, backend.device_of(self.data)) if hasattr(grad, "shape") else grad,
                dtype=self.dtype)
            if grad.shape != self.shape:
                raise RuntimeError(f"backward(gradient): gradient has shape {tuple(grad.shape)}, but the tensor "
                                   f"has shape {tuple(self.shape)}")
        run_backward(self._grad_node(), grad, retain_graph=bool(retain_graph))

    def detach(self):
        """The same data (shared memory and version), cut off from the graph."""
        out = type(self)._wrap(self.data)
        out._version = self._version
        return out

    def detach_(self):
        self._node, self.requires_grad = None, False
        return self

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError(f"only Tensors of floating point dtype can require gradients, got {self.dtype}: "
                               "convert it first, e.g. x.float()")
        if not requires_grad and self._node is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables (use detach())")
        self.requires_grad = bool(requires_grad)
        return self

    # ---- dtype and device --------------------------------------------------------------
    def to(self, *args, **kwargs):
        """to(device), to(dtype), to(device, dtype), to(other): a converted copy (self when nothing changes);
        gradients flow back to the original."""
        dev, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None), kwargs.pop("copy", None)
        if kwargs:
            raise TypeError(f"to(): unexpected arguments {sorted(kwargs)}")
        for a in args:
            if isinstance(a, Tensor):
                dev, dtype = a.device, a.dtype
            elif isinstance(a, str):
                dev = a
            else:
                dtype = a
        out = self
        if dev is not None and str(device(dev)) != backend.device_of(self.data):
            out = ToDevice.apply(out, device=backend.check_device(str(device(dev))))
        if dtype is not None and dtypes.as_dtype(dtype) != self.dtype:
            out = AsType.apply(out, dtype=dtypes.as_dtype(dtype))
        return out

    def type(self, dtype=None):
        if dtype is None:
            return f"minigrad.{dtypes.name(self.dtype)}"
        return self.to(dtype)

    cpu = lambda self: self.to("cpu")
    cuda = lambda self, device=None: self.to("cuda")
    float = lambda self: self.to(dtypes.float32)
    double = lambda self: self.to(dtypes.float64)
    half = lambda self: self.to(dtypes.float16)
    long = lambda self: self.to(dtypes.int64)
    int = lambda self: self.to(dtypes.int32)
    bool = lambda self: self.to(dtypes.bool)
    astype = lambda self, dtype: self.to(dtype)

    def numpy(self):
        """The data as a numpy array on the host (shares memory on the CPU, a copy from the GPU).
        Unlike PyTorch, also allowed on a tensor that requires grad."""
        return backend.to_device(self.data, "cpu")

    def _host(self):
        return backend.to_device(self.data, "cpu")

    def item(self):
        if self.data.size != 1:
            raise RuntimeError(f"a Tensor with {self.data.size} elements cannot be converted to Scalar")
        return self.data.reshape(()).item()

    def tolist(self):
        return self._host().tolist()

    # ---- Python's number protocol ----------------------------------------------------------
    def __bool__(self):
        if self.data.size != 1:
            raise RuntimeError(f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self):
        return float(self.item())  # item() raises for more than one element

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec):
        if self.data.ndim == 0 or (spec and self.data.size == 1):
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __array__(self, dtype=None, copy=None):
        array = self._host()
        return array if dtype is None else array.astype(dtype)

    def __hash__(self):
        return id(self)

    def __repr__(self):
        return _format(self)

    # ---- in-place changes ----------------------------------------------------------------
    def _inplace(self, compute, *others):
        """Write `compute(t)` (an out-of-place op on a tensor holding self's values) into self.

        Outside the graph this is a plain write. In the graph, `compute` runs on a copy of
        the old value (a backward may keep it) and self's history becomes the result's."""
        recording = is_grad_enabled() and (
            self.requires_grad or any(getattr(o, "requires_grad", False) for o in others))
        if not recording:
            result = compute(self)
            self._write(result.data)
            return self
        if self._view_of is not None and self._view_of[0]._node is not self._view_of[1]:
            self._remake_view()
        if self.requires_grad and self._node is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        old = type(self)._wrap(self.data.copy(), self._node)
        result = compute(old)
        if result.dtype != self.dtype:
            result = result.to(self.dtype)
        view = self._view_of
        if view is None:
            self._write(result.data)
        elif view[2] is GetItem:  # a slice of a base tensor: the base's history changes
            base = view[0]
            if base.requires_grad and base._node is None:
                raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                                   "operation.")
            base[view[3]["index"]] = result
            self._view_of = (base, base._node, GetItem, view[3])
        else:
            raise RuntimeError(
                "an in-place op on a view made by reshape/view/transpose/expand of a tensor in the graph is not "
                "supported by minigrad (PyTorch rewrites the base's history): use the out-of-place form, or "
                "change the base tensor itself")
        self._node, self.requires_grad = result._node, True
        return self

    def _write(self, array):
        """Copy `array` into self's own memory and count the change."""
        if array.dtype != self.data.dtype and dtypes.category(array.dtype) > dtypes.category(self.data.dtype):
            raise RuntimeError(f"result type {dtypes.name(array.dtype)} can't be cast to the desired output "
                               f"type {dtypes.name(self.data.dtype)}")
        if array is not self.data:
            self.data[...] = array
        self._version[0] += 1

    def __setitem__(self, index, value):
        """x[index] = value, in place, with PyTorch's rules (value: a number or a Tensor)."""
        index = _index_arrays(index, self.data)
        if isinstance(value, Tensor):
            if value.device != self.device:
                raise RuntimeError(f"x[index] = value: value is on {value.device}, the tensor on {self.device}")
        elif not isinstance(value, (int, float, bool, np.generic)):
            value = _to_array(value, self.dtype, self.device)
        if not (is_grad_enabled() and (self.requires_grad or getattr(value, "requires_grad", False))):
            self.data[index] = value.data if isinstance(value, Tensor) else value
            self._version[0] += 1
            return
        if isinstance(value, Tensor) and value.dtype != self.dtype:
            value = value.to(self.dtype)
        self._inplace(lambda t: IndexPut.apply(t, value, index=index), value)

    def __getitem__(self, index):
        return GetItem.apply(self, index=_index_arrays(index, self.data))


Tensor._result_class = Tensor  # what Function.apply wraps its outputs in (Parameter's too)


def _index_arrays(index, data):
    """An index may hold Tensors; the arrays take their place (on the indexed tensor's device)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    if isinstance(index, list) and any(isinstance(i, Tensor) for i in index):
        return [i.item() if isinstance(i, Tensor) else i for i in index]
    return index


def _format(t):
    """PyTorch's look: tensor([1., 2.]), tensor(3), tensor([0.5000, 1.0000], dtype=minigrad.float64)."""
    array = t._host()
    if array.dtype.kind == "f" and array.size:
        finite = array[np.isfinite(array)]
        big = np.abs(finite).max() if finite.size else 0
        small = np.abs(finite[finite != 0]).min() if (finite != 0).any() else 1
        if finite.size and np.all(finite == np.round(finite)) and big < 1e8:
            fmt = lambda v: f"{v:.0f}." if np.isfinite(v) else str(v)
        elif big >= 1e8 or small < 1e-4:
            fmt = lambda v: f"{v:.4e}"
        else:
            fmt = lambda v: f"{v:.4f}" if np.isfinite(v) else str(v)
        body = np.array2string(array, separator=", ", formatter={"float_kind": fmt}, prefix="tensor(",
                               threshold=1000)
    else:
        body = np.array2string(array, separator=", ", prefix="tensor(", threshold=1000)
    extras = []
    if t.device == "cuda":
        extras.append("device='cuda:0'")
    if array.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool) or array.size == 0 and array.dtype != dtypes.float32:
        extras.append(f"dtype=minigrad.{dtypes.name(array.dtype)}")
    if t._node is not None:
        extras.append(f"grad_fn=<{type(t._node).__name__}Backward>")
    elif t.requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"


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
