"""Data: image folders, mini-batches and epochs, augmentation, test-time augmentation,
the built-in generated data set, and downloads of the real ones.

Two vocabularies over one pipeline:
- PyTorch / torchvision: `Dataset`, `TensorDataset`, `DataLoader`, the samplers, `datasets.MNIST`,
  `datasets.FakeData`, `ImageFolder`, `transforms.Compose/ToTensor/Normalize/Resize/CenterCrop/...`,
  `utils.make_grid/save_image` (torch.utils.data's names also as `minigrad.utils.data`; a
  program's `torchvision.X` is `minigrad.data.X`);
- fastai 0.7's lesson 1: `tfms_from_model`, `transforms_side_on`, `ImageClassifierData.from_paths`.
"""
from . import datasets, sampler, transforms, utils
from .base import (ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset,
                   random_split)
from .collate import default_collate, default_convert
from .sampler import (BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler,
                      WeightedRandomSampler)
from .utils import make_grid, save_image
from .dataset import AugmentedCopies, FilesDataset, ImageClassifierData, get_cv_idxs
from .fastai_transforms import (CropType, Denormalize, RandomFlip, TfmType, Transforms, imagenet_stats,
                                inception_stats, tfms_from_model, tfms_from_stats, transforms_basic, transforms_for,
                                transforms_side_on, transforms_top_down)
from .folder import IMG_EXTENSIONS, BadImageError, ImageFolder, load_image
from .loader import DataLoader, collate, get_worker_info
from .real import download_dogscats, download_pets
from .synthetic import make_shapes_dataset
from .transforms import (IMAGENET_MEAN, IMAGENET_STD, CenterCrop, Compose, Grayscale, Lambda, Normalize, Pad,
                         RandomCrop, RandomDihedral, RandomHorizontalFlip, RandomLighting, RandomResizedCrop,
                         RandomRotate, RandomVerticalFlip, RandomZoom, Resize, ToArray, ToPILImage, ToTensor,
                         denormalize)

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "Subset", "ConcatDataset", "ChainDataset",
           "random_split", "DataLoader", "default_collate", "default_convert", "get_worker_info", "Sampler",
           "SequentialSampler", "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "sampler", "utils", "make_grid", "save_image", "Lambda", "ToPILImage", "Grayscale", "Pad",
           "RandomResizedCrop", "RandomVerticalFlip", "collate", "datasets", "transforms", "ImageFolder",
           "ImageClassifierData", "FilesDataset", "AugmentedCopies",
           "get_cv_idxs", "load_image", "BadImageError", "IMG_EXTENSIONS", "make_shapes_dataset", "download_dogscats",
           "download_pets", "Compose", "Resize", "CenterCrop", "RandomCrop", "RandomZoom", "RandomHorizontalFlip",
           "RandomFlip", "RandomRotate", "RandomDihedral", "RandomLighting", "ToArray", "ToTensor", "Normalize",
           "Denormalize", "tfms_from_model", "tfms_from_stats", "transforms_basic", "transforms_side_on",
           "transforms_top_down", "transforms_for", "Transforms", "CropType", "TfmType", "imagenet_stats",
           "inception_stats", "denormalize", "IMAGENET_MEAN", "IMAGENET_STD"]

__all__ += ["models"]


def __getattr__(name):
    """`minigrad.data.models` (torchvision.models' place) is imported on first use: it is the top-level
    `models` package, which itself imports minigrad, so importing it here would be circular."""
    if name == "models":
        import importlib
        return importlib.import_module(__name__ + ".models")  # (`from . import models` would ask __getattr__ again)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
