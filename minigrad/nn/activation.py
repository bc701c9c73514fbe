"""Activation modules beside ReLU/Sigmoid/Tanh (layers.py): LeakyReLU, SiLU, GELU, Softmax, LogSoftmax,
each a Module around one function of `nn/functional/`, with PyTorch's arguments."""
from . import functional as F
from .module import Module


class LeakyReLU(Module):
    """x where x > 0, else negative_slope * x; `inplace=True` writes it over the input, as PyTorch's."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace

    def forward(self, x):
        return F.leaky_relu(x, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + (", inplace=True" if self.inplace else "")


class SiLU(Module):
    """x * sigmoid(x); `inplace=True` writes it over the input, as PyTorch's."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, x):
        return F.silu(x, self.inplace)


class GELU(Module):
    """x * Phi(x) (Phi the standard normal CDF); approximate='tanh' for the tanh formula."""

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, x):
        return F.gelu(x, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softmax(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, x):
        return F.softmax(x, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    def forward(self, x):
        return F.log_softmax(x, self.dim)
