"""Differentiable primitives, one family per file, and the Tensor methods that call them.

Each op is a `Function` subclass with its forward and backward side by side;
the lower-case functions below are how the rest of minigrad (and `Tensor`'s
operators) call them.
"""
from ..tensor import Tensor
from .activations import Exp, Log, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .arithmetic import Add, Div, Mul, Neg, Pow, Sub
from .matmul import Linear, MatMul
from .reductions import Max, Mean, Sum
from .shapes import Concat, GetItem, Permute, Reshape
from .versions import reference_enabled, use_reference


def _shape_arg(shape):
    """reshape(2, 3) and reshape((2, 3)) both mean (2, 3)."""
    return tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else tuple(shape)


def reshape(x, *shape):
    return Reshape.apply(x, shape=_shape_arg(shape))


def permute(x, *dims):
    return Permute.apply(x, dims=_shape_arg(dims))


def transpose(x, dim0, dim1):
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return Permute.apply(x, dims=tuple(dims))


def flatten(x, start_dim=0, end_dim=-1):
    end = end_dim % x.ndim if x.ndim else 0
    shape = x.shape[:start_dim] + (-1,) + x.shape[end + 1:]
    return Reshape.apply(x, shape=shape)


def cat(tensors, dim=0):
    """Concatenate tensors along `dim` (torch.cat)."""
    return Concat.apply(*tensors, dim=dim)


def _install_tensor_methods():
    """Give Tensor its operators and methods (PyTorch's names)."""
    T = Tensor
    T.__add__ = lambda a, b: Add.apply(a, b)
    T.__radd__ = lambda a, b: Add.apply(b, a)
    T.__sub__ = lambda a, b: Sub.apply(a, b)
    T.__rsub__ = lambda a, b: Sub.apply(b, a)
    T.__mul__ = lambda a, b: Mul.apply(a, b)
    T.__rmul__ = lambda a, b: Mul.apply(b, a)
    T.__truediv__ = lambda a, b: Div.apply(a, b)
    T.__rtruediv__ = lambda a, b: Div.apply(b, a)
    T.__pow__ = lambda a, b: Pow.apply(a, b)
    T.__rpow__ = lambda a, b: Pow.apply(b, a)
    T.__neg__ = lambda a: Neg.apply(a)
    T.__matmul__ = lambda a, b: MatMul.apply(a, b)
    T.__rmatmul__ = lambda a, b: MatMul.apply(b, a)
    T.sum = lambda x, dim=None, keepdim=False: Sum.apply(x, dim=dim, keepdim=keepdim)
    T.mean = lambda x, dim=None, keepdim=False: Mean.apply(x, dim=dim, keepdim=keepdim)
    T.max = lambda x, dim=None, keepdim=False: Max.apply(x, dim=dim, keepdim=keepdim)
    T.reshape = reshape
    T.view = reshape
    T.permute = permute
    T.transpose = transpose
    T.flatten = flatten
    T.exp = lambda x: Exp.apply(x)
    T.log = lambda x: Log.apply(x)
    T.relu = lambda x: ReLU.apply(x)
    T.sigmoid = lambda x: Sigmoid.apply(x)
    T.tanh = lambda x: Tanh.apply(x)
    T.softmax = lambda x, dim: Softmax.apply(x, dim=dim)
    T.log_softmax = lambda x, dim: LogSoftmax.apply(x, dim=dim)
    T.T = property(lambda x: permute(x, *reversed(range(x.ndim))))


_install_tensor_methods()

__all__ = ["Add", "Sub", "Mul", "Div", "Pow", "Neg", "MatMul", "Linear", "Sum", "Mean", "Max",
           "Reshape", "Permute", "GetItem", "Concat", "Exp", "Log", "ReLU", "Sigmoid", "Tanh",
           "Softmax", "LogSoftmax", "reshape", "permute", "transpose", "flatten", "cat",
           "use_reference", "reference_enabled"]
