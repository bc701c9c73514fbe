"""Image transforms and data augmentation, each a small class: torchvision's names for the
PyTorch side (`Compose`, `ToTensor`, `Normalize`, `Resize`, `CenterCrop`, `RandomHorizontalFlip`)
and the augmentations fastai 0.7's lesson 1 uses (`RandomRotate`, `RandomLighting`, ...).
fastai's presets and `tfms_from_model` live in `fastai_transforms.py`, its rotation in
`rotation.py` (re-exported here); torchvision's other
everyday transforms (`Lambda`, `ToPILImage`, `Grayscale`, `Pad`, `RandomResizedCrop`, ...) in
`torchvision_transforms.py`, re-exported here so that `transforms.Lambda` reads as torchvision's.

Augmentation shows the model a slightly different picture of each image every
epoch (flipped, rotated a few degrees, zoomed, lighter or darker), so that it
learns what is in the picture rather than the exact pixels. All randomness
comes from minigrad's seeded source (`random_source.rng()`), so a run repeats exactly.

Order: PIL steps (resize, zoom, rotate, flip, crop), then `ToArray`/`ToTensor` (CHW float32
in [0, 1]), then array steps (lighting), then `Normalize`.
"""
import numpy as np
from PIL import Image

from ..array_module import get_array_module
from ..random_source import rng
from .rotation import RandomRotate, rotate_reflect  # noqa: F401  (fastai's rotation, re-exported)
from .torchvision_transforms import (Grayscale, InterpolationMode, Lambda, Pad, RandomApply,  # noqa: F401
                                     RandomResizedCrop, RandomVerticalFlip, ToPILImage, pad, pil_filter,
                                     setup_size)

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Compose:
    """torchvision's Compose: apply the transforms in order."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class Resize:
    """torchvision's Resize (fastai's Scale). An int scales the shorter side to `size` keeping the
    aspect ratio (the longer side int(size * long / short), as torchvision's); an (h, w) pair
    resizes to exactly that. Bilinear by default (`interpolation=`), antialiased when shrinking
    (Pillow), as torchvision on PIL images; an image already of that size is returned as it is."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        self.size, self.interpolation, self.antialias = size, interpolation, antialias
        self._filter = pil_filter(interpolation)
        if max_size is not None:
            raise NotImplementedError("Resize(max_size=...) is not implemented in minigrad; resize in two steps")

    def __call__(self, img):
        w, h = img.size
        size = self.size[0] if isinstance(self.size, (list, tuple)) and len(self.size) == 1 else self.size
        if not isinstance(size, int):
            th, tw = setup_size(size)
        else:
            short, long = min(w, h), max(w, h)
            new_short, new_long = size, int(size * long / short)
            tw, th = (new_short, new_long) if w <= h else (new_long, new_short)
        return img if (tw, th) == (w, h) else img.resize((tw, th), self._filter)

    def __repr__(self):
        return f"Resize({self.size})"


class CenterCrop:
    """torchvision's CenterCrop: an int gives a square, an (h, w) pair a rectangle; the offset is
    round((H - h) / 2) as torchvision's; a side smaller than the crop is first padded with black,
    (d // 2) before and ((d + 1) // 2) after, d the missing length."""

    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        w, h = img.size
        th, tw = setup_size(self.size)
        if tw > w or th > h:
            dw, dh = max(tw - w, 0), max(th - h, 0)
            img = pad(img, [dw // 2, dh // 2, (dw + 1) // 2, (dh + 1) // 2])
            w, h = img.size
        left, top = int(round((w - tw) / 2.0)), int(round((h - th) / 2.0))
        return img.crop((left, top, left + tw, top + th))

    def __repr__(self):
        return f"CenterCrop({self.size})"


class RandomCrop(CenterCrop):
    """torchvision's RandomCrop (fastai's): a `size` crop at a uniformly random place, after `padding`
    on every side (`pad`'s forms: n, (left/right, top/bottom) or (left, top, right, bottom), with
    `fill` and `padding_mode`: `RandomCrop(32, padding=4)` is CIFAR-10's augmentation). A side
    smaller than the crop is an error, unless `pad_if_needed` pads it by the missing length on
    both sides."""

    def __init__(self, size, padding=None, pad_if_needed=False, fill=0, padding_mode="constant"):
        super().__init__(size)
        self.padding, self.pad_if_needed, self.fill, self.padding_mode = padding, pad_if_needed, fill, padding_mode

    def __call__(self, img):
        th, tw = setup_size(self.size)
        if self.padding is not None:
            img = pad(img, self.padding, self.fill, self.padding_mode)
        if self.pad_if_needed and img.size[0] < tw:
            img = pad(img, [tw - img.size[0], 0], self.fill, self.padding_mode)
        if self.pad_if_needed and img.size[1] < th:
            img = pad(img, [0, th - img.size[1]], self.fill, self.padding_mode)
        w, h = img.size
        if h < th or w < tw:
            raise ValueError(f"Required crop size {(th, tw)} is larger than input image size {(h, w)}")
        left = int(rng().integers(0, w - tw + 1))
        top = int(rng().integers(0, h - th + 1))
        return img.crop((left, top, left + tw, top + th))

    def __repr__(self):
        padding = "" if self.padding is None else f", padding={self.padding}"
        return f"RandomCrop({self.size}{padding})"


class RandomZoom:
    """fastai's RandomScale: with probability p, scale the shorter side to int(size * U(1, max_zoom))
    (else to size), so that the random crop that follows sees a zoomed-in part of the image.
    `max_zoom` may be a (min, max) pair, as fastai's."""

    def __init__(self, size, max_zoom=1.1, p=0.75):
        self.size, self.max_zoom, self.p = size, max_zoom, p

    def __call__(self, img):
        low, high = self.max_zoom if isinstance(self.max_zoom, (tuple, list)) else (1.0, self.max_zoom)
        mult = rng().uniform(low, high) if rng().random() < self.p else 1.0
        return Resize(int(mult * self.size))(img)

    def __repr__(self):
        return f"RandomZoom({self.size}, max_zoom={self.max_zoom}, p={self.p})"


class RandomHorizontalFlip:
    """Mirror left-right with probability p (torchvision's; fastai's RandomFlip): a cat facing
    left is still a cat."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return img.transpose(Image.FLIP_LEFT_RIGHT) if rng().random() < self.p else img

    def __repr__(self):
        return f"{type(self).__name__}(p={self.p})"


class RandomDihedral:
    """One of the 8 symmetries of a square (for photos taken from above: satellites)."""

    def __call__(self, img):
        k = int(rng().integers(0, 8))
        img = img.rotate(90 * (k % 4), expand=True)
        return img.transpose(Image.FLIP_LEFT_RIGHT) if k >= 4 else img

    def __repr__(self):
        return "RandomDihedral()"


def _to_chw(img):
    """PIL image -> CHW float32 array in [0, 1] (one channel for 'L', three for 'RGB')."""
    if img.mode not in ("L", "RGB"):
        img = img.convert("RGB")
    a = np.asarray(img, dtype=np.float32) / np.float32(255)
    return a[None] if a.ndim == 2 else a.transpose(2, 0, 1)


class ToArray:
    """PIL image -> float32 numpy array (C, H, W) with values in [0, 1] (what ToTensor does,
    as an array: the fastai pipeline keeps arrays until the loader stacks a batch)."""

    def __call__(self, img):
        return _to_chw(img)

    def __repr__(self):
        return "ToArray()"


class ToTensor:
    """torchvision's ToTensor: PIL image or (H, W, C) array -> Tensor (C, H, W), one channel per
    band of the image ('L' 1, 'LA' 2, 'RGB' 3, 'RGBA' 4, 'P' its palette indices). 8-bit data
    becomes float32 in [0, 1] (/ 255; mode '1' gives 0 or 1); other data keeps its values: 'I'
    int32, 'I;16' int16, 'F' float32, and an array its dtype (float arrays float32, minigrad's rule)."""

    _dtypes = {"I": np.int32, "I;16": np.int16, "F": np.float32}

    def __call__(self, pic):
        from ..tensor import Tensor  # the end of a pipeline: the only place a Tensor is built
        if isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            a = (pic[:, :, None] if pic.ndim == 2 else pic).transpose(2, 0, 1)
        elif isinstance(pic, Image.Image):
            a = np.array(pic, self._dtypes.get(pic.mode, np.uint8))
            a = (255 * a if pic.mode == "1" else a).reshape(pic.size[1], pic.size[0], -1).transpose(2, 0, 1)
        else:
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        a = a.astype(np.float32) / np.float32(255) if a.dtype == np.uint8 else a
        a = np.ascontiguousarray(a.astype(np.float32) if a.dtype.kind == "f" else a)
        return Tensor(a, dtype=a.dtype)

    def __repr__(self):
        return "ToTensor()"


class RandomLighting:
    """fastai's RandomLighting on a [0, 1] image: brightness b ~ U(-b, b), contrast c ~ U(-c, c)
    (a negative c becomes 1/(1-c), a positive one 1+c): x -> (x - mean) * c + mean + b, clipped to
    [0, 1], where mean is the image's mean (fastai's `lighting`). Here it runs after the crop, so
    the mean is the crop's."""

    def __init__(self, b=0.05, c=0.05):
        self.b, self.c = b, c

    def __call__(self, x):
        b = rng().uniform(-self.b, self.b)
        c = rng().uniform(-self.c, self.c)
        c = 1 / (1 - c) if c < 0 else 1 + c
        mu = x.mean()
        return np.clip((x - mu) * np.float32(c) + (mu + np.float32(b)), 0, 1).astype(np.float32, copy=False)

    def __repr__(self):
        return f"RandomLighting(b={self.b}, c={self.c})"


def _in_place(array, mean, std):
    array -= mean
    array /= std
    return array


class Normalize:
    """torchvision's Normalize: (x - mean) / std per channel of a (C, H, W) (or (N, C, H, W))
    Tensor or array, returning the same kind. `Normalize((0.1307,), (0.3081,))` for MNIST's one
    channel. Unlike torchvision (which requires both), mean and std default to ImageNet's
    statistics, those of ImageNet-trained weights."""

    def __init__(self, mean=IMAGENET_MEAN, std=IMAGENET_STD, inplace=False):
        self.mean = np.asarray(mean, np.float32).reshape(-1, 1, 1)
        self.std = np.asarray(std, np.float32).reshape(-1, 1, 1)
        if np.any(self.std == 0):
            raise ValueError(f"Normalize: std {tuple(self.std.ravel())} has a zero, which would divide by zero")
        self.inplace = inplace  # True: a float32 input is normalised in place and returned, as torchvision

    def __call__(self, x):
        from ..tensor import Tensor
        array = x.array if isinstance(x, Tensor) else x
        xp = get_array_module(array)
        channels = array.shape[-3] if array.ndim >= 3 else None
        if channels is None or self.mean.shape[0] not in (1, channels):
            raise ValueError(f"Normalize: expected a (C, H, W) image with {self.mean.shape[0]} channel(s) "
                             f"for mean {tuple(self.mean.ravel())}, got shape {tuple(array.shape)}")
        if self.inplace and array.dtype == np.float32:
            mean, std = xp.asarray(self.mean), xp.asarray(self.std)
            return x.sub_(Tensor(mean)).div_(Tensor(std)) if isinstance(x, Tensor) else _in_place(array, mean, std)
        out = ((array - xp.asarray(self.mean)) / xp.asarray(self.std)).astype(np.float32, copy=False)
        return Tensor(out) if isinstance(x, Tensor) else out

    def __repr__(self):
        mean = tuple(round(float(v), 4) for v in self.mean.ravel())
        std = tuple(round(float(v), 4) for v in self.std.ravel())
        return f"Normalize(mean={mean}, std={std})"


def denormalize(x, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """A normalised (3, H, W) array back to an (H, W, 3) image in [0, 1], for plots."""
    x = np.asarray(x) * np.asarray(std, np.float32).reshape(-1, 1, 1) + np.asarray(mean, np.float32).reshape(-1, 1, 1)
    return np.clip(x.transpose(1, 2, 0), 0, 1)

