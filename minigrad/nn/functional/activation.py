"""Activations (`F.relu`, `F.sigmoid`, `F.softmax`, `F.elu`...): each calls one op of ops/activations.py
(the lecture's relu, sigmoid, tanh, softmax), ops/activations_smooth.py (gelu, silu, elu...) or, for
leaky_relu, ops/activations_piecewise.py, where forward and backward are written out, or is a short
composition of tensor ops where that is how PyTorch defines it (softsign, tanhshrink, glu, softmin). The
other piecewise ones (hardtanh, relu6, threshold, prelu...) are in activation_piecewise.py.

PyTorch's kernels for most activations exist for floating-point tensors only: an integer or bool input
is refused with PyTorch's NotImplementedError (sigmoid and tanh give float32, relu keeps integers)."""
import warnings

from ...ops.activations import LogSoftmaxOp, Relu, SoftmaxOp
from ...ops.activations_piecewise import LeakyRelu
from ...ops.activations_smooth import Elu, Gelu, LogSigmoidOp, MishOp, Silu, SoftplusOp
from ...ops.fast import activations as fast_activations
from ...ops.reference_switch import pick
from ...tensor_special import scalar_name as type_name  # PyTorch's 'Long', 'Float', 'Bool' in its errors

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def require_floating(input, kernel, per_device=True):
    """Refuse an integer or bool tensor as PyTorch's floating-point-only kernels do, naming the
    kernel as PyTorch does ("elu_cpu", "elu_cuda"; or one name for both devices)."""
    if input.array.dtype.kind != "f":
        name = f"{kernel}_{input.device}" if per_device else kernel
        raise NotImplementedError(f'"{name}" not implemented for \'{type_name(input.dtype)}\' (this activation '
                                  "takes floating-point tensors: convert with x.float())")
    return input


# ---- activations ----------------------------------------------------------------------------
# `inplace=True` changes the input itself and returns it, as in PyTorch: relu writes its result
# into the input's array (Tensor._inplace_op), the others go through Tensor._inplace. A leaf that
# requires grad refuses it, and a backward that kept the old value then refuses to run.

def relu(input, inplace=False):
    """max(x, 0); integers stay integers, bools are refused (as PyTorch)."""
    if input.array.dtype.kind == "b":
        raise RuntimeError("Boolean inputs not supported for relu")
    op = pick(Relu, fast_activations.ReluFast)
    if inplace:
        if input.numel() and any(s == 0 and n > 1 for s, n in zip(input.array.strides, input.shape)):  # expanded
            raise RuntimeError("unsupported operation: more than one element of the written-to tensor refers to a "
                               "single memory location. Please clone() the tensor before performing the operation.")
        return input._inplace_op(op, compute=op.apply)
    return op.apply(input)


def relu_(input):
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    require_floating(input, "leaky_relu")

    def compute(t):
        return LeakyRelu.apply(t, negative_slope=negative_slope)
    return input._inplace(compute) if inplace else compute(input)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def silu(input, inplace=False):
    require_floating(input, "silu")
    return input._inplace(Silu.apply) if inplace else Silu.apply(input)


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (exact, with erf), or its tanh approximation."""
    return Gelu.apply(require_floating(input, "GeluKernelImpl", per_device=False), approximate=approximate)


def sigmoid(input):
    """1 / (1 + e^-x); integers and bools give float32, as PyTorch."""
    return input.sigmoid()


def tanh(input):
    return input.tanh()


def apply_activation(op, input, inplace, **options):
    """op(input), or written over input when inplace (Tensor._inplace keeps the graph right)."""
    def compute(t):
        return op.apply(t, **options)
    return input._inplace(compute) if inplace else compute(input)


# ---- the exponential linear units and the smooth relus --------------------------------------

def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha (e^x - 1)."""
    require_floating(input, "elu")
    if inplace and alpha < 0 and input.requires_grad:
        raise RuntimeError("In-place elu backward calculation is triggered with a negative slope which is not "
                           "supported. This is caused by calling in-place forward function with a negative slope, "
                           "please call out-of-place version instead.")
    return apply_activation(Elu, input, inplace, alpha=alpha)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with the fixed alpha = 1.6733 and scale = 1.0507 that keep activations
    at mean 0 and variance 1 through deep stacks (Klambauer et al., 2017)."""
    require_floating(input, "elu")
    return apply_activation(Elu, input, inplace, alpha=SELU_ALPHA, scale=SELU_SCALE)


def celu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha (e^{x / alpha} - 1): elu with a slope of 1 at 0 for every alpha."""
    require_floating(input, "elu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    return apply_activation(Elu, input, inplace, alpha=alpha, input_scale=1 / alpha)


def selu_(input):
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^{beta x}) / beta, a smooth relu; x itself where beta x > threshold."""
    return SoftplusOp.apply(require_floating(input, "softplus"), beta=beta, threshold=threshold)


def logsigmoid(input):
    """log(1 / (1 + e^-x)), computed without overflow."""
    return LogSigmoidOp.apply(require_floating(input, "log_sigmoid"))


def mish(input, inplace=False):
    """x * tanh(softplus(x)) (Misra, 2019)."""
    return apply_activation(MishOp, require_floating(input, "mish"), inplace)


def softsign(input):
    """x / (1 + |x|): PyTorch's own composition, so the same gradient (1 at 0)."""
    if input.array.dtype.kind == "b":
        raise NotImplementedError(f"\"abs_{input.device}\" not implemented for 'Bool'")
    return input / (1 + input.abs())


def tanhshrink(input):
    """x - tanh(x)."""
    if input.array.dtype.kind == "b":
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    return input - input.tanh()


def glu(input, dim=-1):
    """The gated linear unit: a * sigmoid(b), a and b the two halves of input along dim."""
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    require_floating(input, "glu")
    d = input._dim(dim)
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    half = input.shape[d] // 2
    return input.narrow(d, 0, half) * input.narrow(d, half, half).sigmoid()


# ---- softmax and its relatives ----------------------------------------------------------------

def _softmax_dim(input, dim, name, stacklevel=4):
    """The dimension softmax runs along; None picks PyTorch's legacy default, with its warning."""
    if dim is None:
        warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                      "dim=X as an argument.", UserWarning, stacklevel=stacklevel)
        dim = 0 if input.ndim in (0, 1, 3) else 1
    return input._dim(dim)


def _along(op, input, dim, dtype, name):
    if dtype is not None:
        input = input.astype(dtype)
    d = _softmax_dim(input, dim, name)
    require_floating(input, f"{name}_lastdim_kernel_impl", per_device=False)
    if input.ndim == 0:  # one number: its own row
        return op.apply(input.reshape(1), dim=0).reshape(())
    return op.apply(input, dim=d)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x / sum e^x along dim; `dtype` casts the input first (as PyTorch)."""
    return _along(SoftmaxOp, input, dim, dtype, "softmax")


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """x - log sum e^x along dim, computed stably."""
    return _along(LogSoftmaxOp, input, dim, dtype, "log_softmax")


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x): the smallest entries get the largest weights."""
    if input.array.dtype.kind == "b":
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
                           "invert a mask, use the `~` or `logical_not()` operator instead.")
    if dim is None:
        dim = _softmax_dim(input, None, "softmin", stacklevel=3)
    return softmax(-(input if dtype is None else input.astype(dtype)), dim)
