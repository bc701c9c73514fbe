"""Dropout: in training, zero each activation with probability p and scale the
survivors by 1/(1-p) ("inverted" dropout), so that the expected value is
unchanged and evaluation needs no rescaling. The mask comes from minigrad's
seeded random source; backward multiplies by the same mask."""
from ..array_module import get_array_module
from ..random_source import random_uniform
from ..autograd import Function


class NativeDropout(Function):
    """out = x * mask, mask = keep / (1 - p) with keep[i] = 1 with probability 1 - p;  dx = grad * mask."""
    backward_name = "NativeDropoutBackward0"  # PyTorch's name of this node
    op = "dropout"

    def forward(self, x, p=0.5):
        xp = get_array_module(x)
        keep = random_uniform(xp, x.shape, x.dtype) >= p
        mask = keep * x.dtype.type(1 / (1 - p)) if p < 1 else xp.zeros_like(x)
        self.save_for_backward(mask)
        return x * mask

    def backward(self, grad):
        return grad * self.saved[0]
