"""The lecture's activations: relu between layers (x where positive, else 0: the cheapest
nonlinearity, whose gradient does not shrink where it flows), sigmoid and tanh (the older squashing
curves into (0, 1) and (-1, 1), whose gradients vanish far from 0), and softmax and log_softmax,
which turn the last layer's scores into probabilities and log-probabilities. Each backward reads
the OUTPUT where the derivative can be written with it (relu' = [out > 0], sigmoid' = s(1-s),
tanh' = 1-t^2), so the input need not be kept; softmax subtracts the row maximum first, so exp never
overflows. More activations: activations_smooth.py (gelu, silu, elu...), activations_piecewise.py
(leaky_relu, hardtanh...). An op's Function is named for the op (relu: Relu), with `Op` added where
a layer already has that name (nn.Sigmoid is the layer, SigmoidOp the op it calls).
"""
from ..array_module import get_array_module
from ..autograd import Function
from .layout import elementwise_result as torch_layout, row_major  # the memory order of PyTorch's result


class Relu(Function):
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


class SigmoidOp(Function):
    """out = 1 / (1 + e^-x);  dx = grad * out * (1 - out), since
    d/dx (1 + e^-x)^-1 = e^-x / (1 + e^-x)^2 = out * (1 - out)."""
    op = "sigmoid"

    def forward(self, x):
        out = torch_layout(stable_sigmoid(x), x)
        self.save_for_backward(out)
        return out

    def backward(self, grad):
        out = self.saved[0]
        return grad * out * (1 - out)


class TanhOp(Function):
    """out = tanh x = (e^x - e^-x) / (e^x + e^-x);  dx = grad * (1 - out^2),
    since d/dx tanh x = 1 / cosh^2 x = 1 - tanh^2 x."""
    op = "tanh"

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


class SoftmaxOp(Function):
    """out_i = e^{x_i} / sum_j e^{x_j} along `dim` (computed as e^{x_i - max x});
    dx = out * (grad - sum_j grad_j out_j)."""
    op = "softmax"

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


class LogSoftmaxOp(Function):
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
