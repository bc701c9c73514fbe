"""torchvision.utils' `make_grid` and `save_image`: a batch of images laid out as one picture,
and that picture written to a file (`import torchvision.utils as vutils` is
`import minigrad.data.utils as vutils` here).

make_grid puts B images of (C, H, W) in rows of `xmaps = min(nrow, B)`, `ymaps = ceil(B / xmaps)`
rows, with `padding` pixels of `pad_value` around every image:

    grid (C, ymaps * (H + padding) + padding, xmaps * (W + padding) + padding)
    image k at row y = k // xmaps, column x = k % xmaps: top-left pixel (y * (H + padding) + padding,
                                                                         x * (W + padding) + padding)

Cells after the last image keep pad_value. One-channel images become three (gray as RGB); a
single image ((H, W), (C, H, W), or a batch of one) comes back as it is, without padding.
`normalize=True` maps [low, high] to [0, 1], clamping what lies outside: value_range=(low, high),
else the batch's min and max (each image's own with scale_each=True); high - low is at least 1e-5.

save_image writes make_grid's picture as 8-bit pixels, floor(x * 255 + 0.5) clamped to [0, 255]
(so x in [0, 1] rounds to the nearest level), in the format of the file name's extension (or
`format=`); a file is written under a temporary name and renamed, so it is never half written.
"""
import math
import os
import warnings

import numpy as np
from PIL import Image

from .. import array_module
from ..tensor import Tensor
from ..weights.writer import atomic_write


def _images(tensor):
    """The input as one array, with torchvision's errors for anything but a Tensor or a list of them."""
    if isinstance(tensor, Tensor):
        return tensor.array
    if not isinstance(tensor, list):
        raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    for t in tensor:
        if not isinstance(t, Tensor):
            raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
    if not tensor:
        raise RuntimeError("stack expects a non-empty TensorList")
    if any(t.shape != tensor[0].shape for t in tensor):
        raise RuntimeError(f"stack expects each tensor to be equal size, but got shapes "
                           f"{[tuple(t.shape) for t in tensor]}: make_grid needs images of one size")
    return array_module.get_array_module(tensor[0].array).stack([t.array for t in tensor])


def _normalize(x, value_range, scale_each):
    """(x clamped to [low, high] - low) / max(high - low, 1e-5), in x's dtype, as torchvision's norm_ip."""
    if x.dtype.kind != "f":
        raise RuntimeError(f"make_grid(normalize=True) needs floating-point images: result type Float can't be cast "
                           f"to the desired output type {x.dtype}")
    if value_range is not None and not isinstance(value_range, tuple):
        raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
    xp = array_module.get_array_module(x)
    if value_range is not None:
        low, high = float(value_range[0]), float(value_range[1])
    elif scale_each:  # each image its own min and max (one row of bounds per image)
        low, high = x.min(axis=(1, 2, 3)).astype(np.float64), x.max(axis=(1, 2, 3)).astype(np.float64)
    else:
        low, high = float(x.min()), float(x.max())
    scale = xp.maximum(xp.asarray(high) - xp.asarray(low), 1e-5).astype(x.dtype)
    low, high, scale = (xp.asarray(v, dtype=x.dtype).reshape(-1, 1, 1, 1) for v in (low, high, scale))
    return (xp.clip(x, low, high) - low) / scale


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0,
              **kwargs):
    """B images (a (B, C, H, W) Tensor or a list of (C, H, W) Tensors) as one (C, H', W') Tensor
    (see the module docstring for the layout); `range=` is value_range's old name."""
    if "range" in kwargs:
        warnings.warn("range will be deprecated, please use value_range instead.")
        value_range = kwargs.pop("range")
    if kwargs:
        raise TypeError(f"make_grid() got an unexpected keyword argument '{next(iter(kwargs))}'")
    if padding < 0:
        raise ValueError(f"make_grid: padding must be 0 or more, got {padding}")
    x = _images(tensor)
    xp, shape = array_module.get_array_module(x), x.shape
    if x.ndim == 2:  # one image (H, W)
        x = x[None]
    if x.ndim == 3:  # one image (C, H, W)
        x = xp.concatenate([x, x, x]) if x.shape[0] == 1 else x
        x = x[None]
    if x.ndim == 4 and x.shape[1] == 1:  # gray images as RGB
        x = xp.concatenate([x, x, x], axis=1)
    if x.ndim != 4:
        raise ValueError(f"make_grid expects images of shape (B, C, H, W), (C, H, W) or (H, W), got {tuple(shape)}")
    if normalize is True:
        x = _normalize(x, value_range, scale_each)
    if x.shape[0] == 1:
        if isinstance(tensor, Tensor) and x.size == tensor.array.size and not normalize:
            return tensor.detach().reshape(x.shape[1:])  # a view of the input, as torchvision's
        return Tensor(x[0], dtype=x.dtype)
    b, c, h, w = x.shape
    xmaps = min(nrow, b)
    ymaps = int(math.ceil(float(b) / xmaps))
    cells = xp.full((ymaps * xmaps, c, h + padding, w + padding), pad_value, dtype=x.dtype)
    cells[:b, :, padding:, padding:] = x  # each image after `padding` rows and columns of its cell
    rows = cells.reshape(ymaps, xmaps, c, h + padding, w + padding).transpose(2, 0, 3, 1, 4)
    grid = xp.full((c, ymaps * (h + padding) + padding, xmaps * (w + padding) + padding), pad_value, dtype=x.dtype)
    grid[:, :ymaps * (h + padding), :xmaps * (w + padding)] = rows.reshape(c, ymaps * (h + padding), -1)
    return Tensor(grid, dtype=grid.dtype)


def save_image(tensor, fp, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0,
               format=None, **kwargs):
    """Write make_grid(tensor, ...) to `fp` (a path or a binary file object) as an 8-bit image."""
    grid = make_grid(tensor, nrow=nrow, padding=padding, normalize=normalize, value_range=value_range,
                     scale_each=scale_each, pad_value=pad_value, **kwargs).array
    if grid.dtype.kind != "f":
        raise RuntimeError(f"save_image expects floating-point images in [0, 1]: result type Float can't be cast to "
                           f"the desired output type {grid.dtype}")
    pixels = array_module.to_device(grid, "cpu") * 255 + 0.5  # in the grid's float dtype, as torchvision
    pixels = np.clip(np.nan_to_num(pixels, nan=0.0), 0, 255).astype(np.uint8)
    image = Image.fromarray(np.ascontiguousarray(pixels.transpose(1, 2, 0)))
    if hasattr(fp, "write"):
        image.save(fp, format=format)
        return
    path = os.fspath(fp)
    if format is None:
        extension = os.path.splitext(path)[1].lower()
        format = Image.registered_extensions().get(extension)
        if format is None:
            raise ValueError(f"unknown file extension: {extension} (name the file .png or .jpg, or pass format=)")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"[Errno 2] No such file or directory: {path!r} (create the folder {folder} first)")
    with atomic_write(path) as f:
        image.save(f, format=format)
