"""The linear layer's function (`F.linear`): x @ weight.T + bias (ops/matmul.py's Linear)."""
from ...ops.matmul import Linear
from ...tensor_math import same_dtype


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight of shape (out_features, in_features)."""
    same_dtype("linear", x, weight, bias)
    return Linear.apply(*((x, weight) if bias is None else (x, weight, bias)))
