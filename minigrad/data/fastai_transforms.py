"""fastai 0.7's transform vocabulary: `tfms_from_model(arch, sz, aug_tfms=..., max_zoom=...)`
returns the (training, validation) transforms of lesson 1, with the model's normalisation.

What each pipeline does (fastai 0.7's `image_gen`, with its defaults):
- validation: scale the shorter side to `sz`, center crop `sz` x `sz`, to a CHW float32 array,
  normalise. No randomness.
- training: scale the shorter side to `sz` (or, with `max_zoom`, to int(sz * U(1, max_zoom)) with
  probability 0.75), then the augmentations of `aug_tfms` in order, then a RANDOM `sz` x `sz` crop
  (crop_type=CropType.RANDOM, the default), to an array, normalise.
So `tfms_from_model(arch, sz)` has no augmentation beyond the random crop, exactly as fastai's;
`aug_tfms=transforms_side_on, max_zoom=1.1` is lesson 1's augmentation.
Differences from fastai 0.7, said here: images are Pillow images until the crop (fastai used
OpenCV float arrays), RandomLighting runs after the crop, crop_type GOOGLENET and transforming y
(tfm_y, for segmentation or boxes) are not implemented and say so.
"""
from enum import IntEnum

import numpy as np

from . import transforms as T


class TfmType(IntEnum):
    """What happens to y when x is transformed (fastai's). minigrad's lesson classifies: NO only."""
    NO = 1
    PIXEL = 2
    COORD = 3
    CLASS = 4


class CropType(IntEnum):
    """How the final `sz` x `sz` square is cut: RANDOM (training default), CENTER (validation),
    NO (squash the whole image to the square), GOOGLENET (not implemented here)."""
    RANDOM = 1
    CENTER = 2
    NO = 3
    GOOGLENET = 4


class RandomFlip(T.RandomHorizontalFlip):
    """fastai's name for a left-right flip with probability p=0.5."""


class AddPadding:
    """Pad `pad` pixels on every side by reflecting the image (fastai's AddPadding, BORDER_REFLECT)."""

    def __init__(self, pad, mode="reflect"):
        self.pad, self.mode = pad, mode

    def __call__(self, img):
        a = np.asarray(img)
        widths = ((self.pad, self.pad), (self.pad, self.pad)) + (((0, 0),) if a.ndim == 3 else ())
        return T.Image.fromarray(np.pad(a, widths, mode="symmetric" if self.mode == "reflect" else self.mode))

    def __repr__(self):
        return f"AddPadding({self.pad})"


class Denormalize:
    """x * s + m on channel-last images (fastai's): the inverse of Normalize, for display."""

    def __init__(self, m, s):
        self.m, self.s = np.asarray(m, np.float32), np.asarray(s, np.float32)

    def __call__(self, x):
        return x * self.s + self.m


# fastai 0.7's augmentation presets. Side-on photos (cats, dogs) may be flipped left-right,
# photos from above (satellites) turned any of 8 ways.
transforms_basic = [T.RandomRotate(10), T.RandomLighting(0.05, 0.05)]
transforms_side_on = transforms_basic + [RandomFlip()]
transforms_top_down = transforms_basic + [T.RandomDihedral()]

imagenet_stats = (np.array(T.IMAGENET_MEAN, np.float32), np.array(T.IMAGENET_STD, np.float32))
inception_stats = (np.array([0.5, 0.5, 0.5], np.float32), np.array([0.5, 0.5, 0.5], np.float32))


class Transforms(T.Compose):
    """One fastai pipeline: PIL image -> normalised CHW float32 array of `sz` x `sz`.

    Attributes (fastai's): `sz`, `tfms` (the steps, in order), `norm` (the Normalize, or None),
    `denorm` (a Denormalize for channel-last arrays, or None), `crop_type`. Called as
    `tfm(img)` it returns the array; `tfm(img, y)` returns `(array, y)` as fastai's."""

    def __init__(self, sz, tfms, normalizer, denorm, crop_type=CropType.CENTER):
        self.sz, self.norm, self.denorm, self.crop_type = sz, normalizer, denorm, crop_type
        super().__init__(tfms)

    @property
    def tfms(self):
        return self.transforms

    def __call__(self, im, y=None):
        x = super().__call__(im)
        return x if y is None else (x, y)


def _crop(crop_type, sz):
    if crop_type == CropType.RANDOM:
        return T.RandomCrop(sz)
    if crop_type == CropType.CENTER:
        return T.CenterCrop(sz)
    if crop_type == CropType.NO:
        return T.Resize((sz, sz))
    raise NotImplementedError(f"crop_type {CropType(crop_type).name} is not implemented in minigrad: "
                              "use CropType.RANDOM, CENTER or NO")


def image_gen(normalizer, denorm, sz, tfms=None, max_zoom=None, pad=0, crop_type=CropType.CENTER,
              scale=None, pad_mode="reflect"):
    """One pipeline, as fastai's image_gen: scale (or random zoom), pad, augmentations, crop,
    to array, array augmentations (lighting), normalise."""
    tfms = [] if tfms is None else (list(tfms) if isinstance(tfms, (list, tuple)) else [tfms])
    if scale is None:
        scale = [T.RandomZoom(sz, max_zoom) if max_zoom is not None else T.Resize(sz)]
    elif not isinstance(scale, (list, tuple)):
        scale = [scale]
    steps = list(scale) + ([AddPadding(pad, pad_mode)] if pad else [])
    on_image = [t for t in tfms if not isinstance(t, T.RandomLighting)]
    on_array = [t for t in tfms if isinstance(t, T.RandomLighting)]
    steps += on_image + [_crop(crop_type, sz), T.ToArray()] + on_array + ([normalizer] if normalizer else [])
    return Transforms(sz, steps, normalizer, denorm, crop_type)


def tfms_from_stats(stats, sz, aug_tfms=None, max_zoom=None, pad=0, crop_type=CropType.RANDOM,
                    tfm_y=None, sz_y=None, pad_mode="reflect", norm_y=True, scale=None):
    """(trn_tfms, val_tfms) normalising with `stats` = (mean, std) per channel (or None: no
    normalisation). No augmentation unless `aug_tfms` / `max_zoom` ask for it."""
    if tfm_y not in (None, TfmType.NO) or sz_y is not None:
        raise NotImplementedError("tfm_y / sz_y (transforming the label with the image, for segmentation or "
                                  "bounding boxes) is not implemented in minigrad: lesson 1 classifies")
    norm = T.Normalize(*stats) if stats is not None else None
    denorm = Denormalize(*stats) if stats is not None else None
    val_crop = CropType.CENTER if crop_type in (CropType.RANDOM, CropType.GOOGLENET) else crop_type
    val_tfm = image_gen(norm, denorm, sz, pad=pad, crop_type=val_crop, scale=scale)
    trn_tfm = image_gen(norm, denorm, sz, tfms=aug_tfms, max_zoom=max_zoom, pad=pad, crop_type=crop_type,
                        scale=scale, pad_mode=pad_mode)
    return trn_tfm, val_tfm


def tfms_from_model(f_model, sz, aug_tfms=None, max_zoom=None, pad=0, crop_type=CropType.RANDOM,
                    tfm_y=None, sz_y=None, pad_mode="reflect", norm_y=True, scale=None):
    """(trn_tfms, val_tfms) for images of `sz` x `sz`, normalised with the statistics the model
    was trained with: ImageNet's for resnets (inception models: 0.5, 0.5). As fastai 0.7's:
    `tfms_from_model(resnet34, 224, aug_tfms=transforms_side_on, max_zoom=1.1)`."""
    name = getattr(f_model, "__name__", type(f_model).__name__).lower()
    stats = inception_stats if name.startswith("inception") else imagenet_stats
    return tfms_from_stats(stats, sz, aug_tfms, max_zoom=max_zoom, pad=pad, crop_type=crop_type, tfm_y=tfm_y,
                           sz_y=sz_y, pad_mode=pad_mode, norm_y=norm_y, scale=scale)


def transforms_for(size, aug_tfms=None, max_zoom=None, mean=T.IMAGENET_MEAN, std=T.IMAGENET_STD):
    """(train, valid) transforms for ImageNet-style weights: `tfms_from_stats((mean, std), size,
    aug_tfms, max_zoom)`. No augmentation unless asked (fastai's default)."""
    return tfms_from_stats((mean, std), size, aug_tfms, max_zoom=max_zoom)
