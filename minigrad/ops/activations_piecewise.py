"""Piecewise activations, built from straight pieces joined at kinks: the leaky relus (leaky_relu,
prelu with learned slopes, rrelu with random ones), hardtanh (and relu6 = hardtanh(0, 6)),
hardsigmoid, hardswish, threshold, hardshrink and softshrink. At a kink the derivative is not
defined, so each backward makes PyTorch's choice, written out in its docstring: hardtanh's gradient
is 0 AT its bounds, threshold's and prelu's at the threshold (x = threshold gives the replacement
value). A NaN input compares false everywhere, so it takes whichever branch PyTorch's per-element
kernel sends it to; the docstrings say which. (PyTorch's vectorised loop, used on long runs of
elements, can route NaN differently: the per-element rule is the one followed here.) relu itself is
in activations.py, the smooth activations in activations_smooth.py; `Op` ends a name that a layer
of nn already has (nn.Hardtanh is the layer, HardtanhOp the op it calls).
"""
import numpy as np

from ..array_module import get_array_module
from ..autograd import Function
from ..random_source import random_uniform


def _bound(x, value):
    """A Python number as x's dtype would hold it (PyTorch converts a scalar bound to the tensor's
    dtype: hardtanh(int tensor, 0.5, 1.5) clamps to [0, 1]; a negative int for an unsigned dtype wraps
    around, as in C: threshold(uint8 tensor, -1, 2) compares with 255)."""
    if x.dtype.kind == "f":
        return value
    if x.dtype.kind == "u" and value < 0:
        value = int(value) % (1 << 8 * x.dtype.itemsize)
    return x.dtype.type(value)


class LeakyRelu(Function):
    """out = x where x > 0, else slope * x;  dx = grad where x > 0, else slope * grad
    (the slope at exactly 0, as PyTorch)."""
    op = "leaky_relu"
    versions_of = (0,)  # PyTorch's backward keeps x: changing it in place afterwards is refused

    def forward(self, x, negative_slope=0.01):
        self.positive, self.slope = x > 0, negative_slope
        return get_array_module(x).where(self.positive, x, negative_slope * x)

    def backward(self, grad):
        return get_array_module(grad).where(self.positive, grad, self.slope * grad)


class HardtanhOp(Function):
    """out = min(max(x, min_val), max_val);  dx = grad strictly inside (min_val, max_val), 0 at
    and beyond the bounds (PyTorch's choice; relu6's gradient is 0 at 0 and at 6). NaN stays NaN
    and passes its gradient."""
    op = "hardtanh"

    def forward(self, x, min_val=-1.0, max_val=1.0):
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.min_val, self.max_val = min_val, max_val
        return xp.clip(x, _bound(x, min_val), _bound(x, max_val))

    def backward(self, grad):
        x = self.saved[0]
        return grad * ~((x <= self.min_val) | (x >= self.max_val))


class HardsigmoidOp(Function):
    """out = relu6(x + 3) / 6, a piecewise-linear sigmoid;  dx = grad / 6 strictly inside (-3, 3),
    else 0 (NaN included). PyTorch's backward multiplies by 1/6 rounded to float32 even in float64,
    and so does this one: the same gradients to the last digit."""
    op = "hardsigmoid"
    ONE_SIXTH = float(np.float32(1 / 6))

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        return xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    def backward(self, grad):
        x = self.saved[0]
        return grad * ((x > -3) & (x < 3)) * self.ONE_SIXTH


class HardswishOp(Function):
    """out = x * relu6(x + 3) / 6 (MobileNetV3's swish);  dx = 0 below -3, grad (x / 3 + 1/2) on
    (-3, 3), grad from 3 up and at NaN (PyTorch's sides: 0 at -3, grad at 3)."""
    op = "hardswish"

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        return x * xp.minimum(xp.maximum(x + 3, 0), 6) / 6

    def backward(self, grad):
        x = self.saved[0]
        xp = get_array_module(x)
        return xp.where(x <= -3, 0, xp.where(x < 3, grad * (x / 3 + 0.5), grad)).astype(grad.dtype, copy=False)


class ThresholdOp(Function):
    """out = value where x <= threshold, else x;  dx = 0 where x <= threshold, else grad
    (a NaN is kept, with its gradient)."""
    op = "threshold"

    def forward(self, x, threshold, value):
        xp = get_array_module(x)
        self.replaced = x <= _bound(x, threshold)
        return xp.where(self.replaced, _bound(x, value), x).astype(x.dtype, copy=False)

    def backward(self, grad):
        return grad * ~self.replaced


class HardshrinkOp(Function):
    """out = 0 on [-lambd, lambd], else x;  dx = grad outside [-lambd, lambd] (and at NaN), else 0."""
    op = "hardshrink"

    def forward(self, x, lambd=0.5):
        self.kept = ~((x >= -lambd) & (x <= lambd))
        return get_array_module(x).where((x >= -lambd) & (x <= lambd), 0, x).astype(x.dtype, copy=False)

    def backward(self, grad):
        return grad * self.kept


class SoftshrinkOp(Function):
    """out = x - lambd above lambd, x + lambd below -lambd, 0 between (x * 0 there, so a NaN stays
    NaN);  dx = grad outside [-lambd, lambd] (and at NaN), else 0."""
    op = "softshrink"

    def forward(self, x, lambd=0.5):
        xp = get_array_module(x)
        self.kept = ~((x >= -lambd) & (x <= lambd))
        return xp.where(x > lambd, x - lambd, xp.where(x < -lambd, x + lambd, x * 0))

    def backward(self, grad):
        return grad * self.kept


class Prelu(Function):
    """out = x where x > 0, else w * x, with one learned slope w per channel (dim 1) or one for all;
    dx = grad where x > 0, else w * grad;  dw = sum over everything but the channel of
    grad * x where x <= 0. `weight` arrives shaped to broadcast against x ((1, C, 1, ...))."""
    op = "prelu"

    def forward(self, x, weight):
        xp = get_array_module(x)
        self.save_for_backward(x, weight)
        return xp.where(x > 0, x, weight * x)

    def backward(self, grad):
        x, weight = self.saved
        xp = get_array_module(x)
        positive = x > 0
        dx = xp.where(positive, grad, weight * grad)
        dw = xp.where(positive, 0, x * grad).astype(grad.dtype, copy=False)
        # sum over the axes where the weight has size 1 (the batch and the positions)
        axes = tuple(k for k in range(x.ndim) if k >= weight.ndim or weight.shape[k] == 1)
        dw = dw.sum(axis=axes, keepdims=True).reshape(weight.shape) if x.ndim else dw.reshape(weight.shape)
        return dx, dw


class Rrelu(Function):
    """Randomised leaky ReLU, in training: out = a * x where x <= 0, else x, with a slope a drawn
    uniformly from [lower, upper] for each element (from minigrad's seeded source);
    dx = a * grad where x <= 0, else grad (the same slopes; NaN's gradient passes)."""
    op = "rrelu"

    def forward(self, x, lower, upper):
        xp = get_array_module(x)
        slope = lower + (upper - lower) * random_uniform(xp, x.shape, x.dtype)
        self.slope = xp.where(x <= 0, slope, x.dtype.type(1))
        return x * self.slope

    def backward(self, grad):
        return grad * self.slope
