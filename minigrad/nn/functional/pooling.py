"""Pooling (`F.max_pool2d`, `F.avg_pool2d`, the adaptive pools): PyTorch's window arguments turned
into the ops of ops/pooling.py (the reference) or ops/fast/pooling.py."""
from ...ops import pooling
from ...ops.fast import pooling as fast_pooling
from ...ops.geometry import pair, window
from ...ops.versions import pick, reference_enabled
from .conv import one_image_too


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


@one_image_too
def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False):
    """The maximum of each window (kernel, stride, padding, dilation: ints or pairs); padding
    counts as -inf. ceil_mode keeps a last partial window, as PyTorch."""
    win = _pool_window("max_pool2d", x, kernel_size, stride, padding, dilation, ceil_mode)
    return pick(pooling.MaxPool2d, fast_pooling.MaxPool2d).apply(x, win=win)


@one_image_too
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


@one_image_too
def adaptive_avg_pool2d(x, output_size):
    """Average over PyTorch's adaptive bins: the output is (N, C, *output_size) whatever the input size."""
    return _adaptive("adaptive_avg_pool2d", x, output_size, "mean")


@one_image_too
def adaptive_max_pool2d(x, output_size):
    """Maximum over PyTorch's adaptive bins; a tie's gradient goes to the first maximum, as PyTorch."""
    return _adaptive("adaptive_max_pool2d", x, output_size, "max")
