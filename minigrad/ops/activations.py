"""Activation functions and other elementwise maps: exp, log, relu, sigmoid,
tanh, softmax, log_softmax.

Each backward uses the op's OUTPUT where the derivative can be written with
it (sigmoid' = s(1-s), tanh' = 1-t^2, exp' = exp), so the input need not be
kept. Softmax subtracts the row maximum first, so exp never overflows.
"""
from ..backend import get_array_module
from ..autograd import Function
from .layout import elementwise_result as torch_layout, row_major  # the memory order of PyTorch's result


class Exp(Function):
    """out = e^x;  dx = grad * out."""
    def forward(self, x):
        out = torch_layout(get_array_module(x).exp(x), x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        return grad * self.saved[0]


class Log(Function):
    """out = ln x;  dx = grad / x."""
    def forward(self, x):
        self.save_for_backward(x)
        return torch_layout(get_array_module(x).log(x), x)

    def backward(self, grad):
        return grad / self.saved[0]


class ReLU(Function):
    """out = max(x, 0);  dx = grad except where out <= 0 (PyTorch's threshold_backward: so a NaN
    input, whose output is NaN, passes the gradient). Keeps only the output, so relu_ may write
    it over x (`out=x`)."""
    op = "relu"

    def forward(self, x, out=None):
        out = get_array_module(x).maximum(x, 0, out=out) if out is not None else \
            torch_layout(get_array_module(x).maximum(x, 0), x)  # out=x: relu_ writes over x
        self.save_for_backward(out)
        return out

    def backward(self, grad):  # a choice, not a product: an infinite gradient where out <= 0 is 0, as PyTorch
        return get_array_module(grad).where(self.saved[0] <= 0, grad.dtype.type(0), grad)


def stable_sigmoid(x):
    """1 / (1 + e^-x) without overflow: e^-|x| never overflows, and the two branches
    are the same function."""
    xp = get_array_module(x)
    z = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + z), z / (1 + z))


class Sigmoid(Function):
    """out = 1 / (1 + e^-x);  dx = grad * out * (1 - out)."""
    def forward(self, x):
        out = torch_layout(stable_sigmoid(x), x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        out = self.saved[0]
        return grad * out * (1 - out)


class Tanh(Function):
    """out = tanh x;  dx = grad * (1 - out^2)."""
    def forward(self, x):
        out = torch_layout(get_array_module(x).tanh(x), x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        out = self.saved[0]
        return grad * (1 - out * out)


def _row_max(x, dim):
    """The maximum along dim, kept as a size-1 dim: what softmax subtracts. An empty row has none
    (and nothing to normalise): 0 then."""
    if x.size == 0:
        return get_array_module(x).zeros_like(x.sum(axis=dim, keepdims=True))
    return x.max(axis=dim, keepdims=True)


class Softmax(Function):
    """out_i = e^{x_i} / sum_j e^{x_j} along `dim` (computed as e^{x_i - max x});
    dx = out * (grad - sum_j grad_j out_j)."""
    def forward(self, x, dim):
        xp = get_array_module(x)
        e = xp.exp(x - _row_max(x, dim))
        out = row_major(e / e.sum(axis=dim, keepdims=True))
        self.dim = dim
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        out = self.saved[0]
        return out * (grad - (grad * out).sum(axis=self.dim, keepdims=True))


class LogSoftmax(Function):
    """out_i = x_i - log sum_j e^{x_j} (with the max subtracted for stability);
    dx = grad - softmax(x) * sum_j grad_j, and softmax(x) = e^out."""
    op = "log_softmax"

    def forward(self, x, dim):
        xp = get_array_module(x)
        shifted = x - _row_max(x, dim)
        out = row_major(shifted - xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True)))
        self.dim = dim
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        xp = get_array_module(grad)
        return grad - xp.exp(self.saved[0]) * grad.sum(axis=self.dim, keepdims=True)
