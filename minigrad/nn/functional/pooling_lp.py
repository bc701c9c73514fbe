"""Power-average pooling (`F.lp_pool1d`, `F.lp_pool2d`): (sum of x^p over each window)^(1/p), which
is max pooling as p -> inf and sum pooling at p = 1. As PyTorch composes it from average pooling:
avg_pool(x^p) * (window size), with negative sums clamped to 0 by sign(s) relu(|s|) before the
1/p power, so its gradient is the composition's; p = +-inf is max pooling of |x| (-max of -|x|)."""
from .activation import relu
from .pooling import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d


def _power_mean_root(out, window, norm_type):
    return (out.sign() * relu(out.abs())).mul(window).pow(1.0 / norm_type)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each kh x kw window of x^norm_type)^(1/norm_type), over (N, C, H, W) or (C, H, W)."""
    kw, kh = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    if norm_type == float("inf"):
        return max_pool2d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool2d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool2d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool2d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return _power_mean_root(out, kw * kh, norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over each window of x^norm_type)^(1/norm_type) along the last dim of (N, C, L) or (C, L)."""
    if norm_type == float("inf"):
        return max_pool1d(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -float("inf"):
        return -max_pool1d(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if stride is not None:
        out = avg_pool1d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool1d(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return _power_mean_root(out, kernel_size, norm_type)
