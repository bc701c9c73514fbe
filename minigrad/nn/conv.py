"""Convolution layers (PyTorch's nn.Conv1d, nn.Conv2d, nn.ConvTranspose1d, nn.ConvTranspose2d): a
weight and a bias around one function of nn/functional/conv.py, with PyTorch's arguments, checks,
repr and initialisation: weight kaiming-uniform with a=sqrt(5), bias uniform in +-1/sqrt(fan_in),
fan_in = the weight's dims after the first multiplied (so for a transposed convolution, whose weight
is (in, out/groups, *kernel), fan_in counts the output channels, as PyTorch).

padding_mode 'reflect', 'replicate' or 'circular' pads the input with F.pad first, then convolves
without padding, as PyTorch does."""
import math

from ..ops.geometry import as_int, repeated
from . import functional as F
from . import init
from .factory import empty_parameter
from .module import Module

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def ntuple(value, n, name, op):
    """PyTorch accepts 3 or (3,) for one dimension, 3, (3,) or (3, 5) for two; any integer Python can
    index with (np.int64(3)) where it takes an int, never a bool or float."""
    values = repeated(value, n)
    if values is None:
        raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    ints = tuple(as_int(v) for v in values)
    if len(ints) != n or None in ints:
        raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {values!r}")
    return ints


class ConvNd(Module):
    """What every convolution layer holds: channels, kernel, stride, padding, dilation, groups."""
    dims, transposed = 2, False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", output_padding=0, device=None, dtype=None):
        super().__init__()
        op, n = type(self).__name__, self.dims
        if as_int(groups) is None:
            raise TypeError(f"{op}: groups must be an int, got {groups!r}")
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"padding_mode must be one of {set(PADDING_MODES)}, but got padding_mode='{padding_mode}'")
        if self.transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {op}')
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride = ntuple(kernel_size, n, "kernel_size", op), ntuple(stride, n, "stride", op)
        self.dilation = ntuple(dilation, n, "dilation", op)
        self.output_padding = ntuple(output_padding, n, "output_padding", op)
        if isinstance(padding, str):
            if self.transposed:
                raise ValueError(f"{op}: padding must be numbers, got {padding!r} ('same' and 'valid' are for "
                                 "convolutions)")
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = ntuple(padding, n, "padding", op)
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._input_padding()
        shape = (in_channels, out_channels // groups) if self.transposed else (out_channels, in_channels // groups)
        self.weight = empty_parameter(shape + self.kernel_size, device, dtype)
        self.register_parameter("bias", empty_parameter((out_channels,), device, dtype) if bias else None)
        self.reset_parameters()

    def _input_padding(self):
        """F.pad's list for padding_mode: last dimension first, (before, after) each."""
        if self.padding == "valid":
            return [0, 0] * self.dims
        if self.padding == "same":  # the odd cell after, as PyTorch
            pads = []
            for d, k in zip(reversed(self.dilation), reversed(self.kernel_size)):
                total = d * (k - 1)
                pads += [total // 2, total - total // 2]
            return pads
        return [p for p in reversed(self.padding) for _ in range(2)]

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _padded(self, input):
        """The input and the padding left for the convolution itself."""
        if self.padding_mode == "zeros":
            return input, self.padding
        return F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode), 0

    def extra_repr(self):
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if self.padding != (0,) * self.dims:
            s += f", padding={self.padding}"
        if self.dilation != (1,) * self.dims:
            s += f", dilation={self.dilation}"
        if self.output_padding != (0,) * self.dims:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class Convolution(ConvNd):
    """Conv1d and Conv2d: PyTorch's constructor (no output_padding) and a forward through `convolution`."""
    convolution = staticmethod(F.conv2d)

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, 0, device, dtype)

    def forward(self, input):
        x, padding = self._padded(input)
        return self.convolution(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(Convolution):
    """A 1-D convolution over (N, C, L) or (C, L): weight (out, in/groups, K)."""
    dims, convolution = 1, staticmethod(F.conv1d)


class Conv2d(Convolution):
    """A 2-D convolution over (N, C, H, W) or (C, H, W): weight (out, in/groups, KH, KW)."""


class ConvTransposeNd(ConvNd):
    transposed = True

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
                 bias=True, dilation=1, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
                         padding_mode, output_padding, device, dtype)

    def _output_padding(self, input, output_size):
        """output_padding, or the one that makes the output output_size (PyTorch's rule: any size
        from the smallest output up to stride - 1 more)."""
        if output_size is None:
            return self.output_padding
        n, batch_dims = self.dims, 2 if input.ndim == self.dims + 2 else 1
        output_size = list(output_size)
        if len(output_size) == batch_dims + n:
            output_size = output_size[batch_dims:]
        if len(output_size) != n:
            raise ValueError(f"ConvTranspose{n}D: for {input.ndim}D input, output_size must have {n} or "
                             f"{batch_dims + n} elements (got {len(output_size)})")
        smallest = [(input.shape[batch_dims + d] - 1) * self.stride[d] - 2 * self.padding[d]
                    + self.dilation[d] * (self.kernel_size[d] - 1) + 1 for d in range(n)]
        largest = [s + stride - 1 for s, stride in zip(smallest, self.stride)]
        if any(not lo <= size <= hi for size, lo, hi in zip(output_size, smallest, largest)):
            raise ValueError(f"requested an output size of {output_size}, but valid sizes range from {smallest} to "
                             f"{largest} (for an input of {list(input.shape[batch_dims:])})")
        return tuple(size - lo for size, lo in zip(output_size, smallest))


class ConvTranspose1d(ConvTransposeNd):
    """The adjoint of Conv1d (upsampling): weight (in, out/groups, K)."""
    dims = 1

    def forward(self, input, output_size=None):
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)


class ConvTranspose2d(ConvTransposeNd):
    """The adjoint of Conv2d (dcgan's upsampling layer): weight (in, out/groups, KH, KW)."""

    def forward(self, input, output_size=None):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups, self.dilation)
