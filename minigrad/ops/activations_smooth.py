"""The smooth relu-likes: activations that follow x for large x and level off below 0 along a curve
made of exp, erf or tanh instead of relu's kink: silu (x sigmoid(x)), gelu (x Phi(x)), the elu family
(elu, selu, celu), softplus (a smooth max(x, 0)), mish (x tanh(softplus(x))), and log_sigmoid
(-softplus(-x), the same curve mirrored). Each is differentiable at 0 (elu only for alpha = 1: its
gradient jumps from alpha to 1 there, which celu's input scale avoids), so its backward is one
formula everywhere, with no choice to make at a kink. The formulas are PyTorch's kernels', for the
same values. The lecture's relu, sigmoid and tanh are in activations.py; the piecewise-linear
activations in activations_piecewise.py.
"""
import math

from ..array_module import get_array_module
from ..autograd import Function
from .activations import stable_sigmoid
from .erfc_series import erfc_of_abs


class Silu(Function):
    """out = x * sigmoid(x) (the "swish");  dx = grad * s (1 + x (1 - s)), s = sigmoid(x)."""
    op = "silu"

    def forward(self, x):
        s = stable_sigmoid(x)
        self.save_for_backward(x, s)
        return x * s

    def backward(self, grad):
        x, s = self.saved
        return grad * s * (1 + x * (1 - s))


def normal_cdf(x):
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2, from erfc on the negative side so that its tiny values keep
    their precision; in x's dtype."""
    half_tail = erfc_of_abs(x / math.sqrt(2)) / 2
    return get_array_module(x).where(x >= 0, 1 - half_tail, half_tail).astype(x.dtype)


class Gelu(Function):
    """out = x * Phi(x), Phi the standard normal CDF = (1 + erf(x / sqrt 2)) / 2;
    dx = grad * (Phi(x) + x * phi(x)), phi(x) = e^{-x^2/2} / sqrt(2 pi).
    approximate='tanh': Phi(x) ~ (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3)."""
    versions_of = (0,)  # PyTorch's backward keeps x: changing it in place afterwards is refused
    op = "gelu"

    def forward(self, x, approximate="none"):
        xp = get_array_module(x)
        if approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            th = xp.tanh(k * (x + 0.044715 * x ** 3))
            self.cdf = (1 + th) / 2
            self.pdf_term = x * (1 - th * th) / 2 * k * (1 + 3 * 0.044715 * x * x)
        elif approximate == "none":
            self.cdf = normal_cdf(x)
            self.pdf_term = x * xp.exp(-x * x / 2) / math.sqrt(2 * math.pi)
        else:
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        return x * self.cdf

    def backward(self, grad):
        return grad * (self.cdf + self.pdf_term)


class Elu(Function):
    """The exponential linear unit family, as PyTorch's one kernel for all three:
    out = scale * x where x > 0, else scale * alpha * (e^{input_scale x} - 1);
    dx = grad * scale where x > 0, else grad * input_scale * scale * alpha * e^{input_scale x}
    (the exponential side at x = 0, and the linear one at NaN, as PyTorch's kernel).
    elu: scale = input_scale = 1.  selu: alpha = 1.6733, scale = 1.0507 (self-normalising).
    celu: input_scale = 1 / alpha, so the curve is continuously differentiable for every alpha."""
    op = "elu"

    def forward(self, x, alpha=1.0, scale=1.0, input_scale=1.0):
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.alpha, self.scale, self.input_scale = alpha, scale, input_scale
        return xp.where(x > 0, x * scale, alpha * scale * xp.expm1(x * input_scale))

    def backward(self, grad):
        x = self.saved[0]
        xp = get_array_module(x)
        slope = self.input_scale * self.scale * self.alpha * xp.exp(x * self.input_scale)
        return grad * xp.where(x <= 0, slope, self.scale)


class SoftplusOp(Function):
    """out = log(1 + e^{beta x}) / beta, and out = x where beta x > threshold (there the two agree
    to float precision, and e^{beta x} could overflow);  dx = grad * e^{beta x} / (e^{beta x} + 1),
    grad itself above the threshold. The same formulas as PyTorch's kernel, so the same values."""
    versions_of = (0,)  # PyTorch's backward keeps x: changing it in place afterwards is refused
    op = "softplus"

    def forward(self, x, beta=1.0, threshold=20.0):
        xp = get_array_module(x)
        z = x * beta
        self.linear = z > threshold
        self.e = xp.exp(z)
        return xp.where(self.linear, x, xp.log1p(self.e) / beta)

    def backward(self, grad):
        return get_array_module(grad).where(self.linear, grad, grad * self.e / (self.e + 1))


class LogSigmoidOp(Function):
    """out = log sigmoid(x) = min(x, 0) - log(1 + e^{-|x|}) (never overflows);
    dx = grad * sigmoid(-x), written as PyTorch's kernel: with z = e^{-|x|},
    1 - z / (1 + z) for x < 0 and z / (1 + z) otherwise."""
    op = "log_sigmoid"

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        return xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))

    def backward(self, grad):
        x = self.saved[0]
        xp = get_array_module(x)
        z = xp.exp(-xp.abs(x))
        share = z / (1 + z)
        return grad * xp.where(x < 0, 1 - share, share)


class MishOp(Function):
    """out = x * tanh(softplus(x));  dx = grad * (t + x * sigmoid(x) * (1 - t^2)), t = tanh(softplus(x))
    (softplus(x) = log(1 + e^x), as PyTorch's kernel computes it)."""
    op = "mish"

    def forward(self, x):
        xp = get_array_module(x)
        self.save_for_backward(x)
        self.t = xp.tanh(xp.log1p(xp.exp(x)))
        return x * self.t

    def backward(self, grad):
        x, t = self.saved[0], self.t
        sigmoid = 1 / (1 + get_array_module(x).exp(-x))
        return grad * (t + x * sigmoid * (1 - t * t))
