"""Rotation as data augmentation (fastai 0.7's RandomRotate): rotate a few degrees within the
same size, the corners that rotation uncovers filled by mirroring the image (OpenCV's
BORDER_REFLECT, as fastai's). Vectorised with numpy: each output pixel's source point comes
from the inverse rotation and is read, mirrored, from the image itself, so the cost is that of
the image whatever its shape (a padded canvas would cost the long side squared).
"""
import math

import numpy as np
from PIL import Image

from ..random_source import rng


def _reflect(i, n):
    """Index i of the image extended by mirroring it (..., 1, 0 | 0, 1, ..., n-1 | n-1, ...): period 2n."""
    i = i % (2 * n)
    return np.where(i >= n, 2 * n - 1 - i, i)


def rotate_reflect(img, angle, block=1 << 20):
    """`img` rotated counter-clockwise by `angle` degrees about its centre (Pillow's rotate, bilinear,
    same size), the uncovered corners filled by mirroring the image (fastai's BORDER_REFLECT). Each
    output pixel's source point is found by the inverse rotation and read, mirrored, from the image
    itself: memory is that of the image, whatever its shape (no padded canvas), `block` pixels of
    coordinates at a time."""
    a = np.asarray(img)
    flat = a[:, :, None] if a.ndim == 2 else a
    h, w = flat.shape[:2]
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    out = np.empty_like(flat)
    xs = np.arange(w) + 0.5 - w / 2
    rows = max(1, block // max(w, 1))
    for top in range(0, h, rows):  # blocks of rows, to bound the coordinate arrays
        ys = (np.arange(top, min(h, top + rows)) + 0.5 - h / 2)[:, None]
        sx = cos * xs - sin * ys + w / 2 - 0.5  # the source point, in pixel-centre coordinates
        sy = sin * xs + cos * ys + h / 2 - 0.5
        x0, y0 = np.floor(sx), np.floor(sy)
        dx, dy = (sx - x0)[..., None], (sy - y0)[..., None]
        x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
        xa, xb, ya, yb = _reflect(x0, w), _reflect(x0 + 1, w), _reflect(y0, h), _reflect(y0 + 1, h)
        upper = flat[ya, xa] * (1 - dx) + flat[ya, xb] * dx
        lower = flat[yb, xa] * (1 - dx) + flat[yb, xb] * dx
        value = upper * (1 - dy) + lower * dy
        out[top:top + rows] = np.floor(value) if out.dtype.kind in "iu" else value  # truncated, as Pillow's
    return Image.fromarray(out[:, :, 0] if a.ndim == 2 else out, img.mode)


class RandomRotate:
    """Rotate by U(-degrees, degrees) with probability p (fastai: 10 degrees, p=0.75), within the
    same size, about the centre. The corners that rotation uncovers are filled by reflecting the
    image, as fastai's BORDER_REFLECT (rotate_reflect: the canvas is never enlarged).
    An image longer than `max_aspect` times its width (a 4x4000 strip, 224x224000 after the
    resize) is first cut to a random window `max_aspect` times as long as wide, so that its
    rotation costs at most that many squares: the crop that follows sees a part of it anyway."""

    max_aspect = 4

    def __init__(self, degrees=10, p=0.75):
        self.degrees, self.p = degrees, p

    def __call__(self, img):
        if rng().random() >= self.p:
            return img
        angle = rng().uniform(-self.degrees, self.degrees)
        w, h = img.size
        limit = self.max_aspect * min(w, h)
        if max(w, h) > limit:
            start = int(rng().integers(0, max(w, h) - limit + 1))
            img = img.crop((start, 0, start + limit, h) if w > h else (0, start, w, start + limit))
        return rotate_reflect(img, angle)

    def __repr__(self):
        return f"RandomRotate({self.degrees}, p={self.p})"
