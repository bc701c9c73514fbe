"""torchvision.transforms' everyday names beyond the lesson's (transforms.py re-exports them, so
`transforms.Lambda` reads as in a PyTorch script): `Lambda`, `ToPILImage`, `Grayscale`, `Pad`,
`RandomResizedCrop`, `RandomVerticalFlip`, `RandomApply`, `InterpolationMode`, and `pad`, the
padding that RandomCrop(padding=...) uses.

Each works on a whole image at once (Pillow, or numpy on the array), never pixel by pixel, with
torchvision's arguments, its PIL-image results and its errors. Randomness comes from minigrad's
seeded source (`random_source.rng()`), so the draws are numpy's, not torch's.
"""
import math
import numbers
import warnings
from collections.abc import Sequence
from enum import Enum

import numpy as np
from PIL import Image, ImageOps

from .. import array_module
from ..random_source import rng
from ..tensor import Tensor


class InterpolationMode(Enum):
    """torchvision's names for Pillow's resampling filters."""
    NEAREST = "nearest"
    BILINEAR = "bilinear"
    BICUBIC = "bicubic"
    BOX = "box"
    HAMMING = "hamming"
    LANCZOS = "lanczos"


_PIL_FILTERS = {InterpolationMode.NEAREST: Image.NEAREST, InterpolationMode.BILINEAR: Image.BILINEAR,
                InterpolationMode.BICUBIC: Image.BICUBIC, InterpolationMode.BOX: Image.BOX,
                InterpolationMode.HAMMING: Image.HAMMING, InterpolationMode.LANCZOS: Image.LANCZOS}


def pil_filter(interpolation):
    """An InterpolationMode or a Pillow constant (Image.BILINEAR, ...) -> the Pillow constant."""
    if isinstance(interpolation, InterpolationMode):
        return _PIL_FILTERS[interpolation]
    if isinstance(interpolation, int) and interpolation in _PIL_FILTERS.values():
        return interpolation
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def setup_size(size, error_msg="Please provide only two dimensions (h, w) for size."):
    """torchvision's sizes: a number n -> (n, n); [n] -> (n, n); (h, w) stays."""
    if isinstance(size, numbers.Number):
        return int(size), int(size)
    if isinstance(size, Sequence) and len(size) == 1:
        return size[0], size[0]
    if len(size) != 2:
        raise ValueError(error_msg)
    return tuple(size)


def _pil(img, name):
    if not isinstance(img, Image.Image):
        raise TypeError(f"{name} works on PIL images here: put it before ToTensor() (got {type(img).__name__})")
    return img


class Lambda:
    """Apply a function of yours as a transform: `Lambda(lambda x: x.repeat(3, 1, 1))`."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return "Lambda()"


class ToPILImage:
    """A (C, H, W) Tensor or (H, W, C) array -> PIL image, values kept: float data (mode not 'F') is
    multiplied by 255 and truncated to uint8; 1 channel gives 'L' (uint8), 'I;16', 'I' or 'F' by
    dtype, 2 'LA', 3 'RGB', 4 'RGBA' (torchvision's to_pil_image)."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        if isinstance(pic, Tensor):
            a = array_module.to_device(pic.array, "cpu")
            pic = a.transpose(1, 2, 0) if a.ndim == 3 else a
        elif not isinstance(pic, np.ndarray):
            raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
        if pic.ndim == 2:
            pic = pic[:, :, None]
        if pic.ndim != 3:
            raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
        if pic.shape[-1] > 4:
            raise ValueError(f"pic should not have > 4 channels. Got {pic.shape[-1]} channels.")
        mode = self.mode
        if pic.dtype.kind == "f" and mode != "F":
            pic = (pic * 255).astype(np.uint8)
        channels = pic.shape[2]
        if channels == 1:
            pic = pic[:, :, 0]
            expected = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                        np.dtype(np.float32): "F"}.get(pic.dtype)
            if mode is not None and mode != expected:
                raise ValueError(f"Incorrect mode ({mode}) supplied for input type {pic.dtype}. Should be {expected}")
            mode = expected
        else:
            permitted = {2: ["LA"], 3: ["RGB", "YCbCr", "HSV"], 4: ["RGBA", "CMYK", "RGBX"]}[channels]
            if mode is not None and mode not in permitted:
                raise ValueError(f"Only modes {permitted} are supported for {channels}D inputs")
            if mode is None and pic.dtype == np.uint8:
                mode = permitted[0]
        if mode is None:
            raise TypeError(f"Input type {pic.dtype} is not supported")
        return Image.fromarray(np.ascontiguousarray(pic), mode=mode)

    def __repr__(self):
        return "ToPILImage()" if self.mode is None else f"ToPILImage(mode={self.mode})"


class Grayscale:
    """To gray: a PIL image through Pillow's 'L' (L = R * 299/1000 + G * 587/1000 + B * 114/1000), a
    (..., 3, H, W) Tensor as 0.2989 R + 0.587 G + 0.114 B; `num_output_channels=3` repeats it as RGB."""

    def __init__(self, num_output_channels=1):
        self.num_output_channels = num_output_channels

    def __call__(self, img):
        if self.num_output_channels not in (1, 3):
            raise ValueError("num_output_channels should be either 1 or 3")
        if isinstance(img, Tensor):
            return _gray_tensor(img, self.num_output_channels)
        gray = img.convert("L")
        if self.num_output_channels == 1:
            return gray
        g = np.asarray(gray)
        return Image.fromarray(np.dstack([g, g, g]), "RGB")

    def __repr__(self):
        return f"Grayscale(num_output_channels={self.num_output_channels})"


def _gray_tensor(img, channels):
    a = img.array
    if a.ndim < 3:
        raise TypeError(f"Input image tensor should have at least 3 dimensions, but found {a.ndim}")
    if a.shape[-3] not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {a.shape[-3]}")
    if a.shape[-3] == 3:
        f = a if a.dtype.kind == "f" else a.astype(np.float32)  # torch weighs integers in float32
        r, g, b = f[..., 0:1, :, :], f[..., 1:2, :, :], f[..., 2:3, :, :]
        gray = (0.2989 * r + 0.587 * g + 0.114 * b).astype(a.dtype)  # ints truncated, as torchvision's .to(dtype)
    else:
        gray = a.copy()
    xp = array_module.get_array_module(a)
    out = xp.broadcast_to(gray, a.shape) if channels == 3 else gray  # torchvision: expand to the input's shape
    return Tensor(xp.ascontiguousarray(out), dtype=a.dtype)


def _padding_ltrb(padding):
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    if len(padding) == 1:
        return [int(padding[0])] * 4
    if len(padding) == 2:
        return [int(padding[0]), int(padding[1])] * 2
    return [int(p) for p in padding]


def _fill(fill, img):
    """torchvision's fill for a PIL image: one value per band, ints unless the image is 'F'."""
    bands = len(img.getbands())
    fill = 0 if fill is None else fill
    if isinstance(fill, numbers.Number) and bands > 1:
        fill = (fill,) * bands
    if isinstance(fill, (list, tuple)):
        fill = tuple(fill) * bands if len(fill) == 1 else tuple(fill)
        if len(fill) != bands:
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the image "
                             f"({len(fill)} != {bands})")
        return fill if img.mode == "F" else tuple(int(v) for v in fill)
    return fill if img.mode == "F" else int(fill)


def pad(img, padding, fill=0, padding_mode="constant"):
    """torchvision's F.pad: `padding` as n (all sides), (left/right, top/bottom) or (left, top, right,
    bottom), negative amounts cropping; modes constant (fill), edge, reflect, symmetric. A PIL image
    gives a PIL image; a Tensor or array (..., H, W) the same kind."""
    left, top, right, bottom = _padding_ltrb(padding)
    if isinstance(img, (Tensor, np.ndarray)):
        a = img.array if isinstance(img, Tensor) else img
        a = a[..., max(-top, 0):a.shape[-2] - max(-bottom, 0), max(-left, 0):a.shape[-1] - max(-right, 0)]
        widths = [(0, 0)] * (a.ndim - 2) + [(max(top, 0), max(bottom, 0)), (max(left, 0), max(right, 0))]
        xp = array_module.get_array_module(a)
        options = {"constant_values": fill} if padding_mode == "constant" else {}
        out = xp.pad(a, widths, mode=padding_mode, **options)
        return Tensor(out, dtype=out.dtype) if isinstance(img, Tensor) else out
    if min(left, top, right, bottom) < 0:
        w, h = img.size
        img = img.crop((max(-left, 0), max(-top, 0), w - max(-right, 0), h - max(-bottom, 0)))
        left, top, right, bottom = (max(p, 0) for p in (left, top, right, bottom))
    if padding_mode == "constant":
        return ImageOps.expand(img, border=(left, top, right, bottom), fill=_fill(fill, img))
    a = np.asarray(img)
    widths = [(top, bottom), (left, right)] + [(0, 0)] * (a.ndim - 2)
    return Image.fromarray(np.pad(a, widths, mode=padding_mode), mode=img.mode)


class Pad:
    """Pad an image on every side (see `pad`)."""

    def __init__(self, padding, fill=0, padding_mode="constant"):
        if not isinstance(padding, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate padding arg")
        if not isinstance(fill, (numbers.Number, tuple, list)):
            raise TypeError("Got inappropriate fill arg")
        if padding_mode not in ("constant", "edge", "reflect", "symmetric"):
            raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
        if isinstance(padding, Sequence) and len(padding) not in (1, 2, 4):
            raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element "
                             "tuple")
        self.padding, self.fill, self.padding_mode = padding, fill, padding_mode

    def __call__(self, img):
        return pad(img, self.padding, self.fill, self.padding_mode)

    def __repr__(self):
        return f"Pad(padding={self.padding}, fill={self.fill}, padding_mode={self.padding_mode})"


class RandomResizedCrop:
    """A crop of random area (a fraction U(scale) of the image) and aspect ratio (log-uniform in
    `ratio`), resized to `size`: Inception's augmentation, ImageNet training's default. Ten tries
    to fit such a crop in the image, then the central crop of the nearest allowed ratio."""

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3.0 / 4.0, 4.0 / 3.0), interpolation=InterpolationMode.BILINEAR,
                 antialias=True):
        self.size = setup_size(size)
        if not isinstance(scale, Sequence):
            raise TypeError("Scale should be a sequence")
        if not isinstance(ratio, Sequence):
            raise TypeError("Ratio should be a sequence")
        if scale[0] > scale[1] or ratio[0] > ratio[1]:
            warnings.warn("Scale and ratio should be of kind (min, max)")
        self.scale, self.ratio, self.antialias = scale, ratio, antialias
        self.interpolation, self._filter = interpolation, pil_filter(interpolation)

    @staticmethod
    def get_params(img, scale, ratio):
        """(top, left, height, width) of the crop."""
        width, height = _pil(img, "RandomResizedCrop").size
        area = height * width
        log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
        for _ in range(10):
            target_area = area * rng().uniform(scale[0], scale[1])
            aspect_ratio = math.exp(rng().uniform(*log_ratio))
            w = int(round(math.sqrt(target_area * aspect_ratio)))
            h = int(round(math.sqrt(target_area / aspect_ratio)))
            if 0 < w <= width and 0 < h <= height:
                return int(rng().integers(0, height - h + 1)), int(rng().integers(0, width - w + 1)), h, w
        in_ratio = width / height
        if in_ratio < min(ratio):
            w, h = width, int(round(width / min(ratio)))
        elif in_ratio > max(ratio):
            w, h = int(round(height * max(ratio))), height
        else:
            w, h = width, height
        return (height - h) // 2, (width - w) // 2, h, w

    def __call__(self, img):
        top, left, h, w = self.get_params(img, self.scale, self.ratio)
        cropped = img.crop((left, top, left + w, top + h))
        return cropped.resize((self.size[1], self.size[0]), self._filter)

    def __repr__(self):
        scale = tuple(round(s, 4) for s in self.scale)
        ratio = tuple(round(r, 4) for r in self.ratio)
        return f"RandomResizedCrop(size={self.size}, scale={scale}, ratio={ratio}, interpolation={self.interpolation})"


class RandomVerticalFlip:
    """Mirror top-bottom with probability p."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return _pil(img, "RandomVerticalFlip").transpose(Image.FLIP_TOP_BOTTOM) if rng().random() < self.p else img

    def __repr__(self):
        return f"RandomVerticalFlip(p={self.p})"


class RandomApply:
    """Apply the transforms, in order, with probability p (else the image unchanged)."""

    def __init__(self, transforms, p=0.5):
        self.transforms, self.p = transforms, p

    def __call__(self, img):
        if self.p < rng().random():
            return img
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return f"RandomApply(p={self.p}, " + ", ".join(repr(t) for t in self.transforms) + ")"
