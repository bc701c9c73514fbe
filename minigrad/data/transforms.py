"""Image transforms and data augmentation, each a small class, as fastai 0.7 had them.

Augmentation shows the model a slightly different picture of each image every
epoch (flipped, rotated a few degrees, zoomed, lighter or darker), so that it
learns what is in the picture rather than the exact pixels. All randomness
comes from minigrad's seeded source (`backend.rng()`), so a run repeats exactly.

Order: PIL steps (resize, zoom, rotate, flip, crop), then `ToArray` (CHW float32
in [0, 1]), then array steps (lighting), then `Normalize` with ImageNet's statistics.
"""
import math

import numpy as np
from PIL import Image

from ..backend import rng

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class Compose:
    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return "Compose(" + ", ".join(repr(t) for t in self.transforms) + ")"


class Resize:
    """Scale so the shorter side is `size` (fastai's Scale), keeping the aspect ratio."""

    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        w, h = img.size
        scale = self.size / min(w, h)
        return img.resize((max(self.size, round(w * scale)), max(self.size, round(h * scale))), Image.BILINEAR)

    def __repr__(self):
        return f"Resize({self.size})"


class CenterCrop:
    def __init__(self, size):
        self.size = size

    def __call__(self, img):
        w, h = img.size
        left, top = (w - self.size) // 2, (h - self.size) // 2
        return img.crop((left, top, left + self.size, top + self.size))

    def __repr__(self):
        return f"CenterCrop({self.size})"


class RandomCrop(CenterCrop):
    """A `size` x `size` square at a random place."""

    def __call__(self, img):
        w, h = img.size
        left = int(rng().integers(0, w - self.size + 1))
        top = int(rng().integers(0, h - self.size + 1))
        return img.crop((left, top, left + self.size, top + self.size))

    def __repr__(self):
        return f"RandomCrop({self.size})"


class RandomZoom:
    """fastai's RandomScale: scale the shorter side to size * U(1, max_zoom), so that the
    random crop that follows sees a zoomed-in part of the image."""

    def __init__(self, size, max_zoom=1.1):
        self.size, self.max_zoom = size, max_zoom

    def __call__(self, img):
        return Resize(round(self.size * rng().uniform(1.0, self.max_zoom)))(img)

    def __repr__(self):
        return f"RandomZoom({self.size}, max_zoom={self.max_zoom})"


class RandomHorizontalFlip:
    """Mirror left-right with probability p: a cat facing left is still a cat."""

    def __init__(self, p=0.5):
        self.p = p

    def __call__(self, img):
        return img.transpose(Image.FLIP_LEFT_RIGHT) if rng().random() < self.p else img

    def __repr__(self):
        return f"RandomHorizontalFlip(p={self.p})"


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


class ToArray:
    """PIL RGB image -> float32 array (3, H, W) with values in [0, 1]."""

    def __call__(self, img):
        return np.asarray(img, dtype=np.float32).transpose(2, 0, 1) / np.float32(255)

    def __repr__(self):
        return "ToArray()"


class RandomLighting:
    """fastai's RandomLighting on a [0, 1] image: brightness b ~ U(-b, b), contrast c ~ U(-c, c)
    (a negative c becomes 1/(1-c), a positive one 1+c): x -> (x - 0.5) * c + 0.5 + b, clipped."""

    def __init__(self, b=0.05, c=0.05):
        self.b, self.c = b, c

    def __call__(self, x):
        b = rng().uniform(-self.b, self.b)
        c = rng().uniform(-self.c, self.c)
        c = 1 / (1 - c) if c < 0 else 1 + c
        return np.clip((x - 0.5) * np.float32(c) + np.float32(0.5 + b), 0, 1).astype(np.float32, copy=False)

    def __repr__(self):
        return f"RandomLighting(b={self.b}, c={self.c})"


class Normalize:
    """(x - mean) / std per channel; ImageNet's statistics for ImageNet-trained weights."""

    def __init__(self, mean=IMAGENET_MEAN, std=IMAGENET_STD):
        self.mean = np.asarray(mean, np.float32).reshape(3, 1, 1)
        self.std = np.asarray(std, np.float32).reshape(3, 1, 1)

    def __call__(self, x):
        return (x - self.mean) / self.std

    def __repr__(self):
        return "Normalize(ImageNet)" if tuple(self.mean.ravel()) == IMAGENET_MEAN else "Normalize()"


# fastai 0.7's presets: side-on photos (cats, dogs) may be flipped left-right, not upside down
transforms_side_on = [RandomRotate(10), RandomLighting(0.05, 0.05), RandomHorizontalFlip()]
transforms_top_down = [RandomRotate(10), RandomLighting(0.05, 0.05), RandomDihedral()]


def transforms_for(size, aug_tfms=None, max_zoom=1.1, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """(train, valid) transforms, as fastai's tfms_from_model.

    valid: resize the shorter side to `size`, center crop, to array, normalise: no randomness.
    train: the same with a random zoom (up to max_zoom), the PIL augmentations of aug_tfms,
    a random crop instead of the center one, and the array augmentations (lighting)."""
    aug_tfms = transforms_side_on if aug_tfms is None else aug_tfms
    on_image = [t for t in aug_tfms if not isinstance(t, RandomLighting)]
    on_array = [t for t in aug_tfms if isinstance(t, RandomLighting)]
    zoom = [RandomZoom(size, max_zoom)] if max_zoom and max_zoom > 1 else [Resize(size)]
    train = Compose(zoom + on_image + [RandomCrop(size), ToArray()] + on_array + [Normalize(mean, std)])
    valid = Compose([Resize(size), CenterCrop(size), ToArray(), Normalize(mean, std)])
    return train, valid


def denormalize(x, mean=IMAGENET_MEAN, std=IMAGENET_STD):
    """A normalised (3, H, W) array back to an (H, W, 3) image in [0, 1], for plots."""
    x = np.asarray(x) * np.asarray(std, np.float32).reshape(3, 1, 1) + np.asarray(mean, np.float32).reshape(3, 1, 1)
    return np.clip(x.transpose(1, 2, 0), 0, 1)
