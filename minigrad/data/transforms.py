"""Image transforms and data augmentation, each a small class: torchvision's names for the
PyTorch side (`Compose`, `ToTensor`, `Normalize`, `Resize`, `CenterCrop`, `RandomHorizontalFlip`)
and the augmentations fastai 0.7's lesson 1 uses (`RandomRotate`, `RandomLighting`, ...).
fastai's presets and `tfms_from_model` live in `fastai_transforms.py`.

Augmentation shows the model a slightly different picture of each image every
epoch (flipped, rotated a few degrees, zoomed, lighter or darker), so that it
learns what is in the picture rather than the exact pixels. All randomness
comes from minigrad's seeded source (`random_source.rng()`), so a run repeats exactly.

Order: PIL steps (resize, zoom, rotate, flip, crop), then `ToArray`/`ToTensor` (CHW float32
in [0, 1]), then array steps (lighting), then `Normalize`.
"""
import math

import numpy as np
from PIL import Image

from ..backend import get_array_module
from ..random_source import rng

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


def _pair(size):
    """An int or an (h, w) pair -> (h, w)."""
    return (size, size) if isinstance(size, int) else tuple(size)


class Resize:
    """torchvision's Resize (fastai's Scale). An int scales the shorter side to `size` keeping the
    aspect ratio (the longer side is floored, as both libraries do); an (h, w) pair resizes to
    exactly that. Bilinear, antialiased when shrinking (Pillow), as torchvision on PIL images."""

    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        w, h = img.size
        if not isinstance(self.size, int):
            th, tw = _pair(self.size)
            return img.resize((tw, th), Image.BILINEAR)
        scale = self.size / min(w, h)
        return img.resize((max(self.size, math.floor(w * scale)), max(self.size, math.floor(h * scale))),
                          Image.BILINEAR)

    def __repr__(self):
        return f"Resize({self.size})"


class CenterCrop:
    """torchvision's CenterCrop: an int gives a square, an (h, w) pair a rectangle; the offset is
    round((H - h) / 2) as torchvision's; an image smaller than the crop is padded with black."""

    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        w, h = img.size
        th, tw = _pair(self.size)
        left, top = int(round((w - tw) / 2.0)), int(round((h - th) / 2.0))
        return img.crop((left, top, left + tw, top + th))

    def __repr__(self):
        return f"CenterCrop({self.size})"


class RandomCrop(CenterCrop):
    """A `size` crop at a uniformly random place (fastai's RandomCrop, torchvision's without padding)."""

    def __call__(self, img):
        w, h = img.size
        th, tw = _pair(self.size)
        left = int(rng().integers(0, max(w - tw, 0) + 1))
        top = int(rng().integers(0, max(h - th, 0) + 1))
        return img.crop((left, top, left + tw, top + th))

    def __repr__(self):
        return f"RandomCrop({self.size})"


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


class RandomRotate:
    """Rotate by U(-degrees, degrees) with probability p (fastai: 10 degrees, p=0.75). The corners
    that rotation uncovers are filled by reflecting the image, as fastai's BORDER_REFLECT."""

    def __init__(self, degrees=10, p=0.75):
        self.degrees, self.p = degrees, p

    def __call__(self, img):
        if rng().random() >= self.p:
            return img
        angle = rng().uniform(-self.degrees, self.degrees)
        w, h = img.size
        pad = int(math.ceil(max(w, h) * math.sin(math.radians(abs(angle))))) + 1
        padded = np.pad(np.asarray(img), ((pad, pad), (pad, pad), (0, 0)), mode="symmetric")
        rotated = Image.fromarray(padded).rotate(angle, resample=Image.BILINEAR)
        return rotated.crop((pad, pad, pad + w, pad + h))

    def __repr__(self):
        return f"RandomRotate({self.degrees}, p={self.p})"


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
    """torchvision's ToTensor: PIL image (or HWC uint8 array) -> float32 Tensor (C, H, W) in [0, 1].
    Mode 'L' gives one channel, 'RGB' three (other modes are converted to RGB first)."""

    def __call__(self, pic):
        from ..tensor import Tensor  # the end of a pipeline: the only place a Tensor is built
        if isinstance(pic, np.ndarray):
            a = pic[:, :, None] if pic.ndim == 2 else pic
            a = a.transpose(2, 0, 1)
            a = a.astype(np.float32) / np.float32(255) if a.dtype == np.uint8 else a.astype(np.float32)
            return Tensor(np.ascontiguousarray(a))
        return Tensor(_to_chw(pic))

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

