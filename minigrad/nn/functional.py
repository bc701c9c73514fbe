"""The functional interface (`import minigrad.nn.functional as F`), with PyTorch's
names and arguments. Each function calls one op of `minigrad/ops/`, where its
forward and backward are written out; a few are compositions of other ops,
which is how the lecture defines them (cross_entropy = nll_loss(log_softmax))."""
import functools
import warnings

from ..backend import get_array_module
from ..ops.activations import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from ..ops import conv, normalization, pooling
from ..ops.dropout import Dropout
from ..ops.fast import activations as fast_activations
from ..ops.fast import conv as fast_conv
from ..ops.fast import normalization as fast_normalization
from ..ops.fast import pooling as fast_pooling
from ..ops.geometry import pair, window
from ..ops.activations_nn import GELU, LeakyReLU, SiLU
from ..ops.losses import BCE, L1, MSE, BCEWithLogits, NLLLoss, SmoothL1
from ..ops.matmul import Linear
from ..ops.versions import pick, reference_enabled
from ..tensor import Tensor
from ..tensor_math import same_dtype
from .functional_extras import embedding, layer_norm, normalize, one_hot  # noqa: F401 - F's names


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


def _one_image_too(fn):
    """PyTorch's 2-D convolution and pools also take one image (C, H, W): a batch of one."""
    @functools.wraps(fn)
    def wrapper(x, *args, **kwargs):
        if getattr(x, "ndim", None) == 3:
            return fn(x.unsqueeze(0), *args, **kwargs).squeeze(0)
        return fn(x, *args, **kwargs)
    return wrapper


@_one_image_too
def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution of an NCHW input with an (out, in/groups, KH, KW) weight (im2col + GEMM,
    see ops/conv.py). stride, padding and dilation are ints or (height, width) pairs;
    padding may also be 'same' or 'valid'; groups splits the channels (depthwise: groups = in)."""
    stride, dilation = pair(stride, "stride", "conv2d"), pair(dilation, "dilation", "conv2d")
    if not isinstance(groups, int) or isinstance(groups, bool) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive int, got {groups!r}")
    padding = conv_padding(padding, tuple(weight.shape[2:4]), dilation, stride)
    same_dtype("conv2d", x, weight, bias)
    inputs = (x, weight) if bias is None else (x, weight, bias)
    op = pick(conv.Conv2d, fast_conv.Conv2d)
    return op.apply(*inputs, stride=stride, padding=padding, dilation=dilation, groups=groups)


def linear(x, weight, bias=None):
    """x @ weight.T + bias, weight of shape (out_features, in_features)."""
    same_dtype("linear", x, weight, bias)
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


@_one_image_too
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The maximum of each window (kernel, stride, padding, dilation: ints or pairs); padding
    counts as -inf. ceil_mode keeps a last partial window, as PyTorch."""
    win = _pool_window("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    return pick(pooling.MaxPool2d, fast_pooling.MaxPool2d).apply(x, win=win)


@_one_image_too
def avg_pool2d(x, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """The mean of each window. count_include_pad (PyTorch's default True) divides by the
    whole window, padding included; False divides by the input cells only."""
    win = _pool_window("avg_pool2d", x, kernel_size, stride, padding, 1, ceil_mode)
    p = pair(padding, "padding", "avg_pool2d")
    return pick(pooling.AvgPool2d, fast_pooling.AvgPool2d).apply(
        x, win=win, padding=((p[0], p[0]), (p[1], p[1])), count_include_pad=count_include_pad)


def _adaptive(op, x, output_size, reduce):
    if x.ndim != 4:
        raise ValueError(f"{op}: expected a 4-D input (batch, channels, height, width) or a 3-D one (one image), "
                         f"got shape {tuple(x.shape)}")
    size = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else tuple(output_size)
    size = tuple(x.shape[2 + a] if s is None else s for a, s in enumerate(size))  # None: keep that size
    size = pair(size, "output_size", op)
    if min(size) < 1:
        raise ValueError(f"{op}: output_size must be positive, got {output_size!r}")
    tile = None if reference_enabled() else fast_pooling.tiles(x.shape, size)
    if tile is not None:  # the fast path: bins that tile the input are plain pooling
        return max_pool2d(x, tile) if reduce == "max" else avg_pool2d(x, tile)
    return pooling.AdaptivePool2d.apply(x, output_size=size, reduce=reduce)


@_one_image_too
def adaptive_avg_pool2d(x, output_size):
    """Average over PyTorch's adaptive bins: the output is (N, C, *output_size) whatever the input size."""
    return _adaptive("adaptive_avg_pool2d", x, output_size, "mean")


@_one_image_too
def adaptive_max_pool2d(x, output_size):
    """Maximum over PyTorch's adaptive bins; a tie's gradient goes to the first maximum, as PyTorch."""
    return _adaptive("adaptive_max_pool2d", x, output_size, "max")


def _array(buffer):
    """Running statistics may be given as arrays or as Tensors (buffers) holding them."""
    return buffer.array if isinstance(buffer, Tensor) else buffer


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (see ops/normalization.py); running statistics are updated
    in place when training. The output has x's dtype whatever the statistics' dtype."""
    if (weight is None) != (bias is None):  # one affine part given: the other is the identity
        xp = get_array_module(x.array)
        weight = weight if weight is not None else Tensor(xp.ones(x.shape[1], dtype=x.dtype), dtype=x.dtype)
        bias = bias if bias is not None else Tensor(xp.zeros(x.shape[1], dtype=x.dtype), dtype=x.dtype)
    inputs = (x,) if weight is None else (x, weight, bias)
    op = pick(normalization.BatchNorm, fast_normalization.BatchNorm)
    return op.apply(*inputs, running_mean=_array(running_mean), running_var=_array(running_var),
                    training=training, momentum=momentum, eps=eps)


# ---- activations ----------------------------------------------------------------------------
# `inplace=True` changes the input itself and returns it, as in PyTorch: relu writes its result
# into the input's array (Tensor._inplace_op), the others go through Tensor._inplace. A leaf that
# requires grad refuses it, and a backward that kept the old value then refuses to run.

def relu(input, inplace=False):
    op = pick(ReLU, fast_activations.ReLU)
    if inplace:
        return input._inplace_op(op, compute=op.apply)
    return op.apply(input)


def relu_(input):
    return relu(input, inplace=True)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    def compute(t):
        return LeakyReLU.apply(t, negative_slope=negative_slope)
    return input._inplace(compute) if inplace else compute(input)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def silu(input, inplace=False):
    return input._inplace(SiLU.apply) if inplace else SiLU.apply(input)


def gelu(input, approximate="none"):
    """x * Phi(x), Phi the standard normal CDF (exact, with erf), or its tanh approximation."""
    return GELU.apply(input, approximate=approximate)


def sigmoid(x):
    return Sigmoid.apply(x)


def tanh(x):
    return Tanh.apply(x)


def _dim(dim, name):
    if dim is None:
        raise TypeError(f"{name}: give the dimension explicitly, e.g. {name}(x, dim=1) (PyTorch's implicit "
                        "choice of dim is deprecated)")
    return dim


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """e^x / sum e^x along dim; `dtype` casts the input first (as PyTorch)."""
    return Softmax.apply(input if dtype is None else input.astype(dtype), dim=_dim(dim, "softmax"))


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    return LogSoftmax.apply(input if dtype is None else input.astype(dtype), dim=_dim(dim, "log_softmax"))


def dropout(input, p=0.5, training=True, inplace=False):
    """Inverted dropout; the identity when not training or p == 0."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must be a probability in [0, 1], got {p}")
    if not training or p == 0:
        return input
    if inplace:
        return input._inplace(lambda t: Dropout.apply(t, p=p))
    return Dropout.apply(input, p=p)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout: each whole channel (N, C, H, W -> one (n, c) map) is zeroed with probability p,
    the others scaled by 1 / (1 - p); the identity when not training. Neighbouring pixels are
    correlated, so dropping single pixels would hardly regularise a conv layer."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout2d: p must be a probability in [0, 1], got {p}")
    if input.ndim not in (3, 4):
        raise ValueError(f"dropout2d: expected a 4-D input (N, C, H, W), got shape {tuple(input.shape)}")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", UserWarning, stacklevel=2)
    if not training or p == 0:
        return input
    xp = get_array_module(input.array)
    ones = Tensor(xp.ones(input.shape[:2] + (1,) * (input.ndim - 2), dtype=input.dtype), dtype=input.dtype)
    mask = dropout(ones, p)  # one 0 or 1/(1-p) per channel, broadcast over its pixels
    return input.mul_(mask) if inplace else input * mask


# ---- losses: reduction='mean' | 'sum' | 'none', as PyTorch (see ops/losses.py) -------------------

def _plain(value):
    """Targets and weights reach the loss ops as arrays (or lists, or None), never as Tensors."""
    return value.array if isinstance(value, Tensor) else value


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average/reduce flags, translated as PyTorch does."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use reduction='mean'|'sum'|'none' "
                  "instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else "mean" if size_average else "sum"


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """-input[n, target[n]] per sample (times weight[target[n]]), reduced; target holds class indices.
    'mean' divides by the total weight of the non-ignored targets."""
    return NLLLoss.apply(input, target=_plain(target), weight=_plain(weight), ignore_index=ignore_index,
                         reduction=_legacy_reduction(size_average, reduce, reduction))


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """The log loss: nll_loss(log_softmax(input, dim=1)), stable for large logits.

    label_smoothing = e mixes in the loss against a uniform target, as PyTorch:
    (1 - e) * nll_loss + e / C * sum_c -w_c log p_c (reduced the same way, ignored targets excluded)."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    log_probs = log_softmax(input, dim=1)
    loss = nll_loss(log_probs, target, weight, None, ignore_index, None, reduction)
    if not label_smoothing:
        return loss
    xp = get_array_module(input.array)
    classes = input.shape[1]
    target = xp.asarray(_plain(target))
    valid = target != ignore_index
    w = None if weight is None else xp.asarray(_plain(weight), dtype=input.dtype)
    if w is None:
        smooth = -log_probs.sum(dim=1)
    else:  # the class weights along dim 1, broadcast over the batch and any spatial dimensions
        smooth = -(log_probs * w.reshape((1, classes) + (1,) * (input.ndim - 2))).sum(dim=1)
    smooth = smooth * valid.astype(input.dtype)  # ignored targets add nothing
    if reduction == "sum":
        smooth = smooth.sum()
    elif reduction == "mean":
        total = valid.sum() if w is None else w[target[valid]].sum()
        smooth = smooth.sum() / float(total)
    return loss * (1 - label_smoothing) + smooth * (label_smoothing / classes)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """(input - target)^2, reduced (times weight, whose sum 'mean' then divides by). Shapes that
    differ but broadcast warn, as PyTorch."""
    return MSE.apply(input, target, reduction=_legacy_reduction(size_average, reduce, reduction), weight=_plain(weight))


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """|input - target|, reduced (weighted as mse_loss)."""
    return L1.apply(input, target, reduction=_legacy_reduction(size_average, reduce, reduction), weight=_plain(weight))


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target), reduced."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    return SmoothL1.apply(input, target, reduction=_legacy_reduction(size_average, reduce, reduction), beta=beta)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):
    """-(y log p + (1 - y) log(1 - p)) on probabilities p (logs clamped at -100, as PyTorch)."""
    return BCE.apply(input, target=_plain(target), weight=_plain(weight),
                     reduction=_legacy_reduction(size_average, reduce, reduction))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """binary_cross_entropy(sigmoid(input), target), computed stably from the raw scores."""
    return BCEWithLogits.apply(input, target=_plain(target), weight=_plain(weight), pos_weight=_plain(pos_weight),
                               reduction=_legacy_reduction(size_average, reduce, reduction))
