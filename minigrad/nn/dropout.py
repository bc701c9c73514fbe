"""Dropout: zero activations at random in training, the identity in eval mode. Both
modules share PyTorch's `_DropoutNd` base (p and inplace); neither is an instance of the other."""
from . import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"{type(self).__name__}: p must be a probability in [0, 1], got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero activations with probability p in training (scaling the rest by 1/(1-p)); the
    identity in eval mode."""

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels with probability p in training (scaling the rest by 1/(1-p));
    the identity in eval mode."""

    def forward(self, x):
        return F.dropout2d(x, self.p, self.training, self.inplace)
