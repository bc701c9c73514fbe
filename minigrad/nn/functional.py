"""The functional interface (`import minigrad.nn.functional as F`), with PyTorch's
names and arguments. Each function calls one op of `minigrad/ops/`, where its
forward and backward are written out; a few are compositions of other ops,
which is how the lecture defines them (cross_entropy = nll_loss(log_softmax))."""
from ..backend import get_array_module
from ..ops.activations import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from ..ops import conv, normalization, pooling
from ..ops.dropout import Dropout
from ..ops.fast import conv as fast_conv
from ..ops.fast import normalization as fast_normalization
from ..ops.fast import pooling as fast_pooling
from ..ops.geometry import pair, window
from ..ops.losses import BCEWithLogits, NLLLoss
from ..ops.matmul import Linear
from ..ops.versions import pick, reference_enabled
from ..tensor import Tensor


def conv_padding(padding, kernel_size, dilation, stride, op="conv2d"):
    """PyTorch's padding argument as ((top, bottom), (left, right)): an int, a pair,
    'valid' (none) or 'same' (output size = input size; stride 1 only, the odd cell at
    the bottom/right, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0), (0, 0))
        if padding != "same":
            raise ValueError(f"{op}: padding must be an int, a pair, 'valid' or 'same', got {padding!r}")
        if stride != (1, 1):
            raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride {stride}), "
                             "as in PyTorch: give the padding as numbers")
        total = [d * (k - 1) for d, k in zip(dilation, kernel_size)]
        return tuple((t // 2, t - t // 2) for t in total)
    ph, pw = pair(padding, "padding", op)
    if ph < 0 or pw < 0:
        raise ValueError(f"{op}: padding must not be negative, got {padding!r}")
    return ((ph, ph), (pw, pw))


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of an NCHW input with an (out, in/groups, KH, KW) weight (im2col + GEMM,
    see ops/conv.py). stride, padding and dilation are ints or (height, width) pairs;
    padding may also be 'same' or 'valid'; groups splits the channels (depthwise: groups = in)."""
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    padding = conv_padding(padding, tuple(weight.shape[2:4]), dilation, stride)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    op = pick(conv.Conv2d, fast_conv.Conv2d)
    return op.apply(*inputs, stride=stride, padding=padding, dilation=dilation, groups=groups)


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight of shape (out_features, in_features)."""
    return Linear.apply(*((x, weight) if bias is None else (x, weight, bias)))


def _pool_window(op, x, kernel_size, stride, padding, dilation=1, ceil_mode=False):
    """The Window of a pooling: stride defaults to the kernel size; padding at most half
    the (dilated) kernel, as PyTorch requires."""
    kernel = pair(kernel_size, "kernel_size", op)
    stride = kernel if stride is None or stride == [] or stride == () else pair(stride, "stride", op)
    dilation, (ph, pw) = pair(dilation, "dilation", op), pair(padding, "padding", op)
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    if ph < 0 or pw < 0 or ph > span[0] // 2 or pw > span[1] // 2:
        raise ValueError(f"{op}: padding {(ph, pw)} must be at least 0 and at most half the kernel size "
                         f"{kernel[0]}x{kernel[1]}")
    return window(op, x.shape, kernel, stride, ((ph, ph), (pw, pw)), dilation, ceil_mode)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The maximum of each window (kernel, stride, padding, dilation: ints or pairs); padding
    counts as -inf. ceil_mode keeps a last partial window, as PyTorch."""
    win = _pool_window("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    return pick(pooling.MaxPool2d, fast_pooling.MaxPool2d).apply(x, win=win)


def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean of each window. count_include_pad (PyTorch's default True) divides by the
    whole window, padding included; False divides by the input cells only."""
    win = _pool_window("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    p = pair(padding, "padding", "avg_pool2d")
    return pick(pooling.AvgPool2d, fast_pooling.AvgPool2d).apply(
        x, win=win, padding=((p[0], p[0]), (p[1], p[1])), count_include_pad=count_include_pad)


def _adaptive(op, x, output_size, reduce):
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (batch, channels, height, width), got shape {tuple(x.shape)}")
    size = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    size = tuple(x.shape[2 + a] if s is None else s for a, s in enumerate(size))  # None: keep that size
    size = pair(size, "output_size", op)
    if min(size) < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    tile = None if reference_enabled() else fast_pooling.tiles(x.shape, size)
    if tile is not None:  # the fast path: bins that tile the input are plain pooling
        return max_pool2d(x, tile) if reduce == "max" else avg_pool2d(x, tile)
    return pooling.AdaptivePool2d.apply(x, output_size=size, reduce=reduce)


def adaptive_avg_pool2d(x, output_size):
    """Average over PyTorch's adaptive bins: the output is (N, C, *output_size) whatever the input size."""
    return _adaptive("adaptive_avg_pool2d", x, output_size, "mean")


def adaptive_max_pool2d(x, output_size):
    """Maximum over PyTorch's adaptive bins; a tie's gradient goes to the first maximum, as PyTorch."""
    return _adaptive("adaptive_max_pool2d", x, output_size, "max")


def _array(buffer):
    """Running statistics may be given as arrays or as Tensors (buffers) holding them."""
    return buffer.data if isinstance(buffer, Tensor) else buffer


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (see ops/normalization.py); running statistics are updated
    in place when training. The output has x's dtype whatever the statistics' dtype."""
    if (weight is None) != (bias is None):  # one affine part given: the other is the identity
        xp = get_array_module(x.data)
        weight = weight if weight is not None else Tensor(xp.ones(x.shape[1], dtype=x.dtype))
        bias = bias if bias is not None else Tensor(xp.zeros(x.shape[1], dtype=x.dtype))
    inputs = (x,) if weight is None else (x, weight, bias)
    op = pick(normalization.BatchNorm, fast_normalization.BatchNorm)
    return op.apply(*inputs, running_mean=_array(running_mean), running_var=_array(running_var),
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
