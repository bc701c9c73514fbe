"""An op whose backward refuses as PyTorch's does (a first reading may skip this file)."""
from ..autograd import Function


class RefusedGradient(Function):
    """out = x, a copy, whose backward raises `refusal` (or, with refusal None, gives x no gradient):
    where PyTorch computes a forward but its backward fails or leaves .grad None (dist with p=0;
    addcdiv's tensor1 over an integer tensor2), minigrad's does the same, with PyTorch's node name."""
    def forward(self, x, refusal, backward_name):
        self.refusal, self.backward_name = refusal, backward_name
        return x.copy()

    def backward(self, grad):
        if self.refusal is None:
            return None
        raise RuntimeError(self.refusal)
