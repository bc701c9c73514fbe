"""Padding (`F.pad`), as PyTorch's: `pad` lists (before, after) widths from the LAST dimension
backwards, so F.pad(x, (1, 2, 3, 4)) widens the last dimension by 1 before and 2 after, the one
before it by 3 and 4. Negative widths crop.

- 'constant' (any number of dimensions): a border of `value` (ops/pad.py's ConstantPad).
- 'reflect', 'replicate', 'circular' (the last 1, 2 or 3 dimensions of a batch or one sample):
  each output cell copies an input cell, so each padded dimension is one index_select with
  a map from output to input position p (p < 0 and p >= L are the border):
      reflect    [2 1 | 0 1 2 3 | 2 1]    p -> -p, or 2 (L - 1) - p
      replicate  [0 0 | 0 1 2 3 | 3 3]    p -> clamp(p, 0, L - 1)
      circular   [2 3 | 0 1 2 3 | 0 1]    p -> p mod L  (of the cropped input, as PyTorch)
  and the gradient, index_select's, adds up the copies."""
import numpy as np

from ...array_module import get_array_module
from ...ops.pad import ConstantPad
from .activation_piecewise import check_scalar

MODES = ("constant", "reflect", "replicate", "circular")


def _widths(input, pad):
    """pad (last dimension first) as [(before, after)] in dimension order."""
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, not {type(pad).__name__}")
    for k, p in enumerate(pad):
        if isinstance(p, bool) or not isinstance(p, int):
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, but found element of type "
                            f"{type(p).__name__} at pos {k}")
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but got "
                           f"padding length {len(pad)} and input of dimension {input.ndim}")
    return [(pad[k], pad[k + 1]) for k in range(len(pad) - 2, -1, -2)]


def _source_index(xp, mode, size, before, after):
    """For each output position along one dimension, the input position it copies."""
    p = xp.arange(size + before + after) - before  # the position in the input's coordinates
    if mode == "reflect":
        p = xp.abs(p)
        return xp.where(p > size - 1, 2 * (size - 1) - p, p)
    if mode == "replicate":
        return xp.clip(p, 0, size - 1)
    start, kept = max(-before, 0), size - max(-before, 0) - max(-after, 0)  # circular: crop first, then wrap
    return start + (p + before - max(before, 0)) % max(kept, 1)


def _check_mode(input, mode, widths, value):
    dims = len(widths)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    if dims not in (1, 2, 3) or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f"Padding size {2 * dims} is not supported for {input.ndim}D input tensor.\nSupported combinations for "
            "non-constant padding:\n  - 2D or 3D input: padding size = 2 (pads last dimension)\n  - 3D or 4D input: "
            "padding size = 4 (pads last 2 dimensions)\n  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    sizes = input.shape[input.ndim - dims:]
    if mode != "circular" and 0 in input.shape[input.ndim - dims - 1:]:
        raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with possibly 0 batch size and "
                           f"other non-zero dimensions for input, but got: {list(input.shape)}")
    for d, (size, (before, after)) in enumerate(zip(sizes, widths)):
        dim = input.ndim - dims + d
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input dimension, but "
                               f"got: padding ({before}, {after}) at dimension {dim} of input {list(input.shape)}")
        kept = size - max(-before, 0) - max(-after, 0)  # circular wraps the cropped input
        if mode == "circular" and (before > size or after > size or kept < max(before, after, 0)):
            raise RuntimeError("Padding value causes wrapping around more than once.")
    out = [size + before + after for size, (before, after) in zip(sizes, widths)]
    if mode != "circular" and min(out) < (1 if dims == 1 else 0):  # PyTorch lets 2-D and 3-D pads empty a dimension
        names = "DHW"[3 - dims:]
        raise RuntimeError(f"input ({', '.join(f'{n}: {s}' for n, s in zip(names, sizes))}) is too small. Calculated "
                           f"output {' '.join(f'{n}: {s}' for n, s in zip(names, out))}")


def pad(input, pad, mode="constant", value=None):
    """Pad (or, with negative widths, crop) the last len(pad) // 2 dimensions; see the module docstring."""
    widths = _widths(input, pad)
    if mode == "constant":
        for d, (size, (before, after)) in enumerate(zip(input.shape[input.ndim - len(widths):], widths)):
            if size + before + after < 0:
                raise RuntimeError(f"narrow(): length must be non-negative. (padding ({before}, {after}) of dimension "
                                   f"{input.ndim - len(widths) + d}, of size {size}, leaves {size + before + after})")
        if value is not None:
            check_scalar(value, input.dtype, strict_unsigned=True)
        return ConstantPad.apply(input, widths=widths, value=0 if value is None else value)
    if mode not in MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    _check_mode(input, mode, widths, value)
    if input.dtype == np.bool_ and mode != "circular":  # PyTorch's reflection and replication kernels
        raise NotImplementedError(f"\"{'reflection' if mode == 'reflect' else 'replication'}_pad{len(widths)}d\" not "
                                  f"implemented for 'Bool'")
    xp = get_array_module(input.array)
    out = input
    for d, (before, after) in enumerate(widths):
        dim = input.ndim - len(widths) + d
        out = out.index_select(dim, _source_index(xp, mode, input.shape[dim], before, after))
    return out
