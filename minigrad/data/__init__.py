"""Data: image folders, mini-batches and epochs, augmentation, test-time augmentation,
the built-in generated data set, and downloads of the real ones."""
from .dataset import AugmentedCopies, ImageClassifierData, ImageList
from .folder import IMG_EXTENSIONS, BadImageError, ImageFolder, load_image
from .loader import DataLoader, collate
from .real import download_dogscats, download_pets
from .synthetic import make_shapes_dataset
from .transforms import (IMAGENET_MEAN, IMAGENET_STD, CenterCrop, Compose, Normalize, RandomCrop, RandomDihedral,
                         RandomHorizontalFlip, RandomLighting, RandomRotate, RandomZoom, Resize, ToArray,
                         denormalize, transforms_for, transforms_side_on, transforms_top_down)

__all__ = ["ImageFolder", "DataLoader", "ImageClassifierData", "AugmentedCopies", "ImageList", "collate",
           "load_image", "BadImageError", "IMG_EXTENSIONS", "make_shapes_dataset", "download_dogscats", "download_pets", "Compose", "Resize", "CenterCrop",
           "RandomCrop", "RandomZoom", "RandomHorizontalFlip", "RandomRotate", "RandomDihedral", "RandomLighting",
           "ToArray", "Normalize", "transforms_for", "transforms_side_on", "transforms_top_down", "denormalize",
           "IMAGENET_MEAN", "IMAGENET_STD"]
