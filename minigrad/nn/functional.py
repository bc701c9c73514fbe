"""The functional interface (`import minigrad.nn.functional as F`), with PyTorch's
names and arguments. Each function calls one op of `minigrad/ops/`, where its
forward and backward are written out; a few are compositions of other ops,
which is how the lecture defines them (cross_entropy = nll_loss(log_softmax))."""
from ..backend import get_array_module
from ..ops.activations import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from ..ops.conv import Conv2d
from ..ops.dropout import Dropout
from ..ops.losses import BCEWithLogits, NLLLoss
from ..ops.matmul import Linear
from ..ops.normalization import BatchNorm
from ..ops.pooling import AvgPool2d, MaxPool2d, adaptive_pool2d
from ..tensor import Tensor


def _single(value, name):
    """PyTorch accepts 2 or (2, 2); minigrad's conv uses one number for both sides."""
    if isinstance(value, (tuple, list)):
        if len(set(value)) != 1:
            raise ValueError(f"conv2d: {name} must be the same along height and width, got {tuple(value)}")
        return value[0]
    return value


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """2-D convolution of an NCHW input with an OIHW weight (im2col + GEMM, see ops/conv.py)."""
    inputs = (x, weight) if bias is None else (x, weight, bias)
    return Conv2d.apply(*inputs, stride=_single(stride, "stride"), padding=_single(padding, "padding"))


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight of shape (out_features, in_features)."""
    return Linear.apply(*((x, weight) if bias is None else (x, weight, bias)))


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return MaxPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return AvgPool2d.apply(x, kernel_size=kernel_size, stride=stride, padding=padding)


def adaptive_avg_pool2d(x, output_size):
    return adaptive_pool2d(x, output_size, "mean")


def adaptive_max_pool2d(x, output_size):
    return adaptive_pool2d(x, output_size, "max")


def _array(buffer):
    """Running statistics may be given as arrays or as Tensors (buffers) holding them."""
    return buffer.data if isinstance(buffer, Tensor) else buffer


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (see ops/normalization.py); running statistics are updated
    in place when training."""
    if (weight is None) != (bias is None):  # one affine part given: the other is the identity
        xp = get_array_module(x.data)
        weight = weight if weight is not None else Tensor(xp.ones(x.shape[1], dtype=x.dtype), dtype=x.dtype)
        bias = bias if bias is not None else Tensor(xp.zeros(x.shape[1], dtype=x.dtype), dtype=x.dtype)
    inputs = (x,) if weight is None else (x, weight, bias)
    return BatchNorm.apply(*inputs, running_mean=_array(running_mean), running_var=_array(running_var),
                           training=training, momentum=momentum, eps=eps)


def relu(x):
    return ReLU.apply(x)


def sigmoid(x):
    return Sigmoid.apply(x)


def tanh(x):
    return Tanh.apply(x)


def softmax(x, dim):
    return Softmax.apply(x, dim=dim)


def log_softmax(x, dim):
    return LogSoftmax.apply(x, dim=dim)


def dropout(x, p=0.5, training=True):
    """Inverted dropout; the identity when not training or p == 0."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return x
    return Dropout.apply(x, p=p)


def nll_loss(log_probs, target):
    """Mean of -log_probs[n, target[n]]; target holds integer class indices."""
    return NLLLoss.apply(log_probs, target=target)


def cross_entropy(logits, target):
    """The log loss: nll_loss(log_softmax(logits)), stable for large logits."""
    return nll_loss(log_softmax(logits, dim=1), target)


def mse_loss(x, target):
    """Mean of the squared differences."""
    return ((x - target) ** 2).mean()


def binary_cross_entropy_with_logits(x, target):
    return BCEWithLogits.apply(x, target=target)
