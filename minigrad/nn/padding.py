"""Padding layers (PyTorch's nn.ZeroPad1d/2d/3d, ConstantPad*, ReflectionPad*, ReplicationPad*,
CircularPad*): F.pad (nn/functional/padding.py) with the widths fixed at construction. An int pads
every side by that much; a tuple lists (before, after) from the last dimension backwards, as F.pad."""
from . import functional as F
from .module import Module


class PadNd(Module):
    dims, mode = 2, "constant"

    def __init__(self, padding, value=0):
        super().__init__()
        self.padding = (padding,) * (2 * self.dims) if isinstance(padding, int) else tuple(padding)
        if self.mode == "constant":
            self.value = value

    def forward(self, input):
        if self.mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}" if self.mode == "constant" else f"{self.padding}"


def _pad_class(name, dims, mode, doc, base=PadNd):
    return type(name, (base,), {"dims": dims, "mode": mode, "__doc__": doc, "__module__": __name__})


class ConstantPad1d(PadNd):
    """A border of `value` around the last dimension."""
    dims = 1

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ConstantPad2d(ConstantPad1d):
    """A border of `value` around the last two dimensions."""
    dims = 2


class ConstantPad3d(ConstantPad1d):
    """A border of `value` around the last three dimensions."""
    dims = 3


class ZeroPad1d(PadNd):
    """A border of zeros around the last dimension."""
    dims = 1

    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ZeroPad1d):
    """A border of zeros around the last two dimensions (an image)."""
    dims = 2


class ZeroPad3d(ZeroPad1d):
    """A border of zeros around the last three dimensions."""
    dims = 3


ReflectionPad1d = _pad_class("ReflectionPad1d", 1, "reflect", "Mirror the last dimension at its edges.")
ReflectionPad2d = _pad_class("ReflectionPad2d", 2, "reflect", "Mirror an image at its edges (edge not repeated).")
ReflectionPad3d = _pad_class("ReflectionPad3d", 3, "reflect", "Mirror the last three dimensions at their edges.")
ReplicationPad1d = _pad_class("ReplicationPad1d", 1, "replicate", "Repeat the edge cells of the last dimension.")
ReplicationPad2d = _pad_class("ReplicationPad2d", 2, "replicate", "Repeat an image's edge pixels.")
ReplicationPad3d = _pad_class("ReplicationPad3d", 3, "replicate", "Repeat the edge cells of the last three dimensions.")
CircularPad1d = _pad_class("CircularPad1d", 1, "circular", "Wrap the last dimension around (periodic).")
CircularPad2d = _pad_class("CircularPad2d", 2, "circular", "Wrap an image around (a torus).")
CircularPad3d = _pad_class("CircularPad3d", 3, "circular", "Wrap the last three dimensions around.")
