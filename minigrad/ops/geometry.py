"""Sliding-window geometry shared by convolution and pooling: kernel, stride,
padding and dilation per axis, the output size, and the slices under each kernel offset.

A window of a KH x KW kernel with dilation (DH, DW) at output pixel (y, x) covers the
padded-input pixels (SH*y + DH*i, SW*x + DW*j) for i < KH, j < KW. So for each kernel
offset (i, j) the pixels under it, for ALL outputs at once, are one strided slice of the
padded input: every op here loops over the KH*KW offsets, never over pixels.
"""
import operator
from collections import namedtuple

from ..array_module import get_array_module
from .arithmetic import ShapeError  # PyTorch raises RuntimeError where numpy would raise ValueError: both


def pair(value, name, op):
    """PyTorch accepts 3, (3,) or (3, 5) for height and width, and any integer that Python can
    index with (numpy's np.int64(3), a 0-d integer tensor) where it takes an int; never a float."""
    values = repeated(value, 2)
    if values is None:
        raise TypeError(f"{op}: {name} must be an int or a pair of ints, got {value!r}")
    if len(values) != 2:
        raise ShapeError(f"expected {name} to be a single integer value or a list of 2 values to match the "
                         f"convolution dimensions, but got {name}={list(values)} ({op}: {name} must be an int or a pair "
                         "(height, width) of ints)")
    ints = tuple(as_int(v) for v in values)
    if None in ints:
        raise TypeError(f"{op}: {name} must be an int or a pair (height, width) of ints, got {values!r}")
    return ints


def repeated(value, n):
    """value as a tuple of n, as torch reads a size: an integer, or a 1-tuple, repeated n times;
    any other tuple or list as it is (the caller checks its length and entries); None for anything else."""
    if isinstance(value, (tuple, list)):
        return tuple(value) * n if len(value) == 1 else tuple(value)
    return None if as_int(value) is None else (value,) * n


def as_int(value):
    """value as a Python int if it is an integer (not a bool), else None."""
    if isinstance(value, bool) or getattr(value, "dtype", None) == bool:
        return None
    try:
        return operator.index(value)
    except TypeError:
        return None


def output_size(size, kernel, stride, before, after, dilation=1, ceil_mode=False):
    """Outputs along one axis: how many windows fit in the padded length.
    ceil_mode (pooling) keeps a last partial window if it starts inside the input or
    the leading padding, as PyTorch does."""
    span = size + before + after - dilation * (kernel - 1) - 1
    if not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    return out - 1 if (out - 1) * stride >= size + before else out


class Window(namedtuple("Window", "kernel stride padding dilation out")):
    """kernel, stride, dilation, out: (height, width) pairs; padding: ((top, bottom), (left, right))."""

    def offsets(self):
        """For each kernel offset (i, j): the slices of the padded input under it."""
        (kh, kw), (sh, sw), (dh, dw), (oh, ow) = self.kernel, self.stride, self.dilation, self.out
        for i in range(kh):
            for j in range(kw):
                yield i, j, (slice(dh * i, dh * i + sh * (oh - 1) + 1, sh),
                             slice(dw * j, dw * j + sw * (ow - 1) + 1, sw))

    def padded_shape(self, shape):
        (t, b), (l, r) = self.padding
        return shape[:2] + (shape[2] + t + b, shape[3] + l + r)


def window(op, x_shape, kernel, stride, padding, dilation=(1, 1), ceil_mode=False):
    """The Window of a kernel sliding over an NCHW input; padding ((t, b), (l, r)). With
    ceil_mode the bottom/right padding grows to hold the last partial window."""
    if len(x_shape) != 4:
        raise ShapeError(f"{op}: expected a 4-D input (batch, channels, height, width) or a 3-D one (one image), "
                         f"got shape {tuple(x_shape)}")
    if min(stride) < 1 or min(dilation) < 1 or min(kernel) < 1:
        raise ShapeError(f"{op}: kernel size, stride and dilation must be at least 1, got kernel {kernel}, "
                         f"stride {stride}, dilation {dilation}")
    padding = [list(p) for p in padding]
    out = []
    for axis in range(2):
        size, k, s, d, (before, after) = x_shape[2 + axis], kernel[axis], stride[axis], dilation[axis], padding[axis]
        if size + before + after < d * (k - 1) + 1:
            raise ShapeError(
                f"{op}: kernel {kernel[0]}x{kernel[1]} (dilation {dilation[0]}x{dilation[1]}) is larger than the "
                f"padded input {x_shape[2] + sum(padding[0])}x{x_shape[3] + sum(padding[1])} (input shape "
                f"{tuple(x_shape)}, padding {tuple(map(tuple, padding))})")
        n = output_size(size, k, s, before, after, d, ceil_mode)
        padding[axis][1] = max(after, (n - 1) * s + d * (k - 1) + 1 - size - before)  # ceil mode's extra
        out.append(n)
    return Window(tuple(kernel), tuple(stride), tuple(map(tuple, padding)), tuple(dilation), tuple(out))


def valid_range(out_len, size, stride, offset):
    """The outputs o in [lo, hi) whose input index o * stride + offset lies inside [0, size)."""
    lo = max(0, -(offset // stride))
    hi = min(out_len, (size - 1 - offset) // stride + 1)
    return lo, max(lo, hi)


def window_parts(win, in_hw):
    """For each kernel offset (i, j): the output rows and columns whose input pixel is
    real (not padding), and the slices of the unpadded input they read."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = win.kernel, win.stride, win.dilation, win.out
    (top, _), (left, _) = win.padding
    for i in range(kh):
        y0, y1 = valid_range(oh, in_hw[0], sh, dh * i - top)
        for j in range(kw):
            x0, x1 = valid_range(ow, in_hw[1], sw, dw * j - left)
            r, c = y0 * sh + dh * i - top, x0 * sw + dw * j - left
            rows, columns = slice(r, r + (y1 - y0 - 1) * sh + 1, sh), slice(c, c + (x1 - x0 - 1) * sw + 1, sw)
            yield i, j, (y0, y1, x0, x1), (rows, columns)


def pad2d(x, padding, value=0):
    """Pad the last two dimensions of an NCHW array by ((top, bottom), (left, right))."""
    if not any(padding[0] + padding[1]):
        return x
    return get_array_module(x).pad(x, ((0, 0), (0, 0)) + tuple(padding), constant_values=value)


def unpad2d(x, padding):
    """Cut the padding of pad2d off again (a view)."""
    (t, b), (l, r) = padding
    return x[:, :, t:x.shape[2] - b, l:x.shape[3] - r]
