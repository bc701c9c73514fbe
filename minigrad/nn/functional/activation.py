"""Activations (`F.relu`, `F.sigmoid`, `F.softmax`...): each calls one op of ops/activations.py or
ops/activations_nn.py, where forward and backward are written out."""
from ...ops.activations import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from ...ops.activations_nn import GELU, LeakyReLU, SiLU
from ...ops.fast import activations as fast_activations
from ...ops.versions import pick


# ---- activations ----------------------------------------------------------------------------
# `inplace=True` changes the input itself and returns it, as in PyTorch: relu writes its result
# into the input's array (Tensor._inplace_op), the others go through Tensor._inplace. A leaf that
# requires grad refuses it, and a backward that kept the old value then refuses to run.

def relu(input, inplace=False):
    op = pick(ReLU, fast_activations.ReLU)
    if inplace:
        return input._inplace_op(op, compute=op.apply)
    return op.apply(input)


def relu_(input):
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    def compute(t):
        return LeakyReLU.apply(t, negative_slope=negative_slope)
    return input._inplace(compute) if inplace else compute(input)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def silu(input, inplace=False):
    return input._inplace(SiLU.apply) if inplace else SiLU.apply(input)


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (exact, with erf), or its tanh approximation."""
    return GELU.apply(input, approximate=approximate)


def sigmoid(x):
    return Sigmoid.apply(x)


def tanh(x):
    return Tanh.apply(x)


def _dim(dim, name):
    if dim is None:
        raise TypeError(f"{name}: give the dimension explicitly, e.g. {name}(x, dim=1) (PyTorch's implicit "
                        "choice of dim is deprecated)")
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x / sum e^x along dim; `dtype` casts the input first (as PyTorch)."""
    return Softmax.apply(input if dtype is None else input.astype(dtype), dim=_dim(dim, "softmax"))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return LogSoftmax.apply(input if dtype is None else input.astype(dtype), dim=_dim(dim, "log_softmax"))
