"""fastai 0.7's ImageClassifierData in one call, and the data side of test-time augmentation.

`ImageClassifierData.from_paths(path, size)` reads a dogscats-layout folder
(`train/<class>`, `valid/<class>`, optional `test/`) and builds the loaders
with the right transforms: augmentation for training, none for validation.
"""
import os

import numpy as np

from .folder import ImageFolder, find_images, load_image
from .loader import DataLoader, training_loader
from .transforms import transforms_for


class AugmentedCopies:
    """Test-time augmentation: item i is (a stack of the validation view of image i and
    `n_aug` randomly augmented views of it, label). The learner averages the predicted
    probabilities over the 1 + n_aug views."""

    def __init__(self, dataset, aug_tfm, val_tfm, n_aug=4):
        self.dataset, self.aug_tfm, self.val_tfm, self.n_aug = dataset, aug_tfm, val_tfm, n_aug

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        path, label = self.dataset.samples[index]
        img = load_image(path)
        views = [self.val_tfm(img)] + [self.aug_tfm(img) for _ in range(self.n_aug)]
        return np.stack(views), label


class ImageList:
    """Unlabelled images (a test/ folder): item i is (transform(image), 0)."""

    def __init__(self, folder, transform=None):
        self.samples = [(p, 0) for p in find_images(folder)]
        self.transform = transform

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, index):
        img = load_image(self.samples[index][0])
        return (self.transform(img) if self.transform else img), 0


class ImageClassifierData:
    """Train, validation (and test) data sets and loaders for one image-classification folder."""

    def __init__(self, path, size, bs, train_tfm, val_tfm, num_workers=0, skip_bad=False,
                 trn_name="train", val_name="valid", test_name="test"):
        for name in (trn_name, val_name):
            if not os.path.isdir(os.path.join(path, name)):
                raise FileNotFoundError(
                    f"{os.path.join(path, name)} not found: a data folder needs {trn_name}/<class>/ and "
                    f"{val_name}/<class>/ (the dogscats layout)")
        self.path, self.size, self.bs, self.num_workers = os.fspath(path), size, bs, num_workers
        self.train_tfm, self.val_tfm = train_tfm, val_tfm
        self.trn_ds = ImageFolder(os.path.join(path, trn_name), train_tfm, skip_bad=skip_bad)
        self.val_ds = ImageFolder(os.path.join(path, val_name), val_tfm, skip_bad=skip_bad)
        if self.trn_ds.classes != self.val_ds.classes:
            raise ValueError(f"{path}: train classes {self.trn_ds.classes} differ from valid classes {self.val_ds.classes}")
        # the training images seen through the validation transforms (what precompute caches)
        self.fix_ds = ImageFolder(os.path.join(path, trn_name), val_tfm, skip_bad=skip_bad)
        self.fix_ds.samples = self.trn_ds.samples
        test = os.path.join(path, test_name)
        self.test_ds = ImageList(test, val_tfm) if os.path.isdir(test) and find_images(test) else None

    @classmethod
    def from_paths(cls, path, size=224, bs=64, aug_tfms=None, max_zoom=1.1, num_workers=0, **kwargs):
        train_tfm, val_tfm = transforms_for(size, aug_tfms, max_zoom)
        return cls(path, size, bs, train_tfm, val_tfm, num_workers=num_workers, **kwargs)

    @property
    def classes(self):
        return self.trn_ds.classes

    @property
    def c(self):
        return len(self.classes)

    @property
    def trn_dl(self):
        return training_loader(self.trn_ds, self.bs, self.num_workers)

    @property
    def val_dl(self):
        return DataLoader(self.val_ds, self.bs, num_workers=self.num_workers)

    @property
    def fix_dl(self):
        return DataLoader(self.fix_ds, self.bs, num_workers=self.num_workers)

    @property
    def test_dl(self):
        return DataLoader(self.test_ds, self.bs, num_workers=self.num_workers) if self.test_ds else None

    def tta_dl(self, n_aug=4, dataset=None):
        copies = AugmentedCopies(dataset or self.val_ds, self.train_tfm, self.val_tfm, n_aug)
        return DataLoader(copies, max(1, self.bs // (n_aug + 1)), num_workers=self.num_workers)
