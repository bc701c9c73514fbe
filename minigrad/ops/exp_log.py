"""The exponential and the natural logarithm, the pair of maps every probability in a network
passes through (softmax, log-likelihoods): exp's derivative is itself, so its backward keeps the
output; log's is 1/x, so its backward keeps the input. The other exponentials and logarithms
(expm1, exp2, log2, log10) are in special.py, log1p in elementwise.py."""
from ..autograd import Function
from ..array_module import get_array_module
from .layout import elementwise_result as torch_layout  # the memory order of PyTorch's result


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
