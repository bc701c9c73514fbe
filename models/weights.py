"""torchvision's weights enums for the ResNets: `ResNet18_Weights.DEFAULT`, `.IMAGENET1K_V1`, ...

Each member describes one set of pretrained weights, as torchvision's: `.url` (where PyTorch
publishes the file; the hex in its name is the start of the file's SHA-256), `.meta` (the ImageNet
categories, the parameter count and the accuracy torchvision reports for it), `.transforms()` (the
preprocessing the weights expect: resize the shorter side, center crop, scale to [0, 1],
normalise with ImageNet's statistics) and `.get_state_dict()`, which downloads the file once into
minigrad's cache (minigrad/download.py: resumable, SHA-256 checked) and reads it without torch
(minigrad/weights). `resnet18(weights=ResNet18_Weights.DEFAULT)` (or "DEFAULT") uses them.
"""
import enum
import os
from dataclasses import dataclass, field
from functools import partial

from minigrad.data.transforms import CenterCrop, Compose, Normalize, Resize, ToTensor
from minigrad.download import download_url, hash_prefix_from_name
from minigrad.weights import load_weights

from .imagenet_categories import IMAGENET_CATEGORIES


class ImageClassification:
    """The preset the ImageNet weights expect (torchvision's transforms._presets.ImageClassification),
    for a PIL image: Resize(resize_size) of the shorter side (bilinear, antialiased),
    CenterCrop(crop_size), values scaled to [0, 1], Normalize(mean, std)."""

    def __init__(self, *, crop_size, resize_size=256, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225)):
        self.crop_size, self.resize_size = [crop_size], [resize_size]
        self.mean, self.std = list(mean), list(std)
        self._steps = Compose([Resize(resize_size), CenterCrop(crop_size), ToTensor(), Normalize(self.mean, self.std)])

    def __call__(self, img):
        if not hasattr(img, "getbands"):
            raise TypeError(f"{type(self).__name__}: minigrad's preset takes a PIL image, got {type(img).__name__}")
        return self._steps(img)

    def __repr__(self):
        return (f"{type(self).__name__}(\n    crop_size={self.crop_size}\n    resize_size={self.resize_size}\n"
                f"    mean={self.mean}\n    std={self.std}\n    interpolation=InterpolationMode.BILINEAR\n)")


@dataclass(eq=False)
class Weights:
    """One set of weights: where the file is, how to build its preprocessing, what is known of it."""
    url: str
    transforms: object
    meta: dict = field(default_factory=dict)


class WeightsEnum(enum.Enum):
    """torchvision's base of the weights enums: members are `Weights`, known by name."""

    @classmethod
    def verify(cls, obj):
        """None, a member, or a member's name ("DEFAULT", "ResNet18_Weights.DEFAULT"), as torchvision's."""
        if obj is not None:
            if type(obj) is str:
                obj = cls[obj.replace(cls.__name__ + ".", "")]
            elif not isinstance(obj, cls):
                raise TypeError(f"Invalid Weight class provided; expected {cls.__name__} but received "
                                f"{obj.__class__.__name__}.")
        return obj

    def get_state_dict(self, progress=True, check_hash=True):
        """The weights as {name: numpy array}, downloaded into minigrad's cache on first use
        ($MINIGRAD_CACHE, else ~/.cache/minigrad)."""
        name = self.url.rsplit("/", 1)[1]
        path = download_url(self.url, name, sha256_prefix=hash_prefix_from_name(name) if check_hash else None,
                            quiet=not progress)
        return load_weights(path)

    def __repr__(self):
        return f"{type(self).__name__}.{self._name_}"

    url = property(lambda self: self.value.url)
    transforms = property(lambda self: self.value.transforms)
    meta = property(lambda self: self.value.meta)


COMMON_META = {"min_size": (1, 1), "categories": list(IMAGENET_CATEGORIES)}
RECIPE = "https://github.com/pytorch/vision/tree/main/references/classification#resnet"


def _imagenet(url, num_params, acc1, acc5, ops, file_size, recipe=RECIPE, resize_size=256):
    """One torchvision ImageNet-1K entry; the numbers are torchvision's own (torchvision/models/resnet.py)."""
    return Weights(url=url, transforms=partial(ImageClassification, crop_size=224, resize_size=resize_size),
                   meta={**COMMON_META, "num_params": num_params, "recipe": recipe,
                         "_metrics": {"ImageNet-1K": {"acc@1": acc1, "acc@5": acc5}}, "_ops": ops,
                         "_file_size": file_size})


class ResNet18_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet18-f37072fd.pth", 11689512, 69.758, 89.078,
                              1.814, 44.661)
    DEFAULT = IMAGENET1K_V1


class ResNet34_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet34-b627a593.pth", 21797672, 73.314, 91.42,
                              3.664, 83.275)
    DEFAULT = IMAGENET1K_V1


class ResNet50_Weights(WeightsEnum):
    IMAGENET1K_V1 = _imagenet("https://download.pytorch.org/models/resnet50-0676ba61.pth", 25557032, 76.130, 92.862,
                              4.089, 97.781)
    IMAGENET1K_V2 = _imagenet("https://download.pytorch.org/models/resnet50-11ad3fa6.pth", 25557032, 80.858, 95.434,
                              4.089, 97.79, resize_size=232,
                              recipe="https://github.com/pytorch/vision/issues/3995#issuecomment-1013906621")
    DEFAULT = IMAGENET1K_V2


def resolve(enum_class, weights):
    """What a builder's `weights=` names: (member or None, None), or (None, file path or state dict),
    minigrad's own extension: a weight file (.pth, .safetensors, .npz) or a state dict."""
    if isinstance(weights, (dict, os.PathLike)):
        return None, weights
    if type(weights) is str and not weights.replace(enum_class.__name__ + ".", "").isidentifier():
        return None, weights  # "resnet18-f37072fd.pth", "~/w.npz": a file (an enum name is an identifier)
    return enum_class.verify(weights), None
