"""Activations that nn modules offer beside relu/sigmoid/tanh (activations.py): leaky_relu and silu."""
from ..backend import get_array_module
from ..tensor import Function
from .activations import stable_sigmoid


class LeakyReLU(Function):
    """out = x where x > 0, else slope * x;  dx = grad where x > 0, else slope * grad
    (the slope at exactly 0, as PyTorch)."""
    name = "leaky_relu"

    def forward(self, x, negative_slope=0.01):
        self.positive, self.slope = x > 0, negative_slope
        return get_array_module(x).where(self.positive, x, negative_slope * x)

    def backward(self, grad):
        return get_array_module(grad).where(self.positive, grad, self.slope * grad)


class SiLU(Function):
    """out = x * sigmoid(x) (the "swish");  dx = grad * s (1 + x (1 - s)), s = sigmoid(x)."""
    name = "silu"

    def forward(self, x):
        s = stable_sigmoid(x)
        self.save_for_backward(x, s)
        return x * s

    def backward(self, grad):
        x, s = self.saved
        return grad * s * (1 + x * (1 - s))
