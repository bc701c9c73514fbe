"""Data: image folders, mini-batches and epochs, augmentation, test-time augmentation,
the built-in generated data set, and downloads of the real ones.

Two vocabularies over one pipeline:
- PyTorch / torchvision: `Dataset`, `TensorDataset`, `DataLoader`, `datasets.MNIST`,
  `datasets.FakeData`, `ImageFolder`, `transforms.Compose/ToTensor/Normalize/Resize/CenterCrop`
  (also as `minigrad.utils.data`);
- fastai 0.7's lesson 1: `tfms_from_model`, `transforms_side_on`, `ImageClassifierData.from_paths`.
"""
from . import datasets, transforms
from .base import ConcatDataset, Dataset, Subset, TensorDataset
from .collate import default_collate, default_convert
from .dataset import AugmentedCopies, FilesDataset, ImageClassifierData, get_cv_idxs
from .fastai_transforms import (CropType, Denormalize, RandomFlip, TfmType, Transforms, imagenet_stats,
                                inception_stats, tfms_from_model, tfms_from_stats, transforms_basic, transforms_for,
                                transforms_side_on, transforms_top_down)
from .folder import IMG_EXTENSIONS, BadImageError, ImageFolder, load_image
from .loader import DataLoader, collate
from .real import download_dogscats, download_pets
from .synthetic import make_shapes_dataset
from .transforms import (IMAGENET_MEAN, IMAGENET_STD, CenterCrop, Compose, Normalize, RandomCrop, RandomDihedral,
                         RandomHorizontalFlip, RandomLighting, RandomRotate, RandomZoom, Resize, ToArray, ToTensor,
                         denormalize)

__all__ = ["Dataset", "TensorDataset", "Subset", "ConcatDataset", "DataLoader", "default_collate", "default_convert",
           "collate", "datasets", "transforms", "ImageFolder", "ImageClassifierData", "FilesDataset", "AugmentedCopies",
           "get_cv_idxs", "load_image", "BadImageError", "IMG_EXTENSIONS", "make_shapes_dataset", "download_dogscats",
           "download_pets", "Compose", "Resize", "CenterCrop", "RandomCrop", "RandomZoom", "RandomHorizontalFlip",
           "RandomFlip", "RandomRotate", "RandomDihedral", "RandomLighting", "ToArray", "ToTensor", "Normalize",
           "Denormalize", "tfms_from_model", "tfms_from_stats", "transforms_basic", "transforms_side_on",
           "transforms_top_down", "transforms_for", "Transforms", "CropType", "TfmType", "imagenet_stats",
           "inception_stats", "denormalize", "IMAGENET_MEAN", "IMAGENET_STD"]
