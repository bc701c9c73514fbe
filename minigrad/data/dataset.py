"""fastai 0.7's ImageClassifierData: the data of lesson 1 in one call.

    tfms = tfms_from_model(resnet34, sz, aug_tfms=transforms_side_on, max_zoom=1.1)
    data = ImageClassifierData.from_paths(PATH, bs=64, tfms=tfms)

reads a dogscats-layout folder (`train/<class>/**/<image>`, `valid/<class>/...`, optional
test folder) and builds fastai's data sets and loaders (all attributes, as fastai's):

- `trn_ds`, `val_ds`: FilesDataset (training images with the training transforms, validation
  images with the validation ones); `fix_ds` (training images, validation transforms: what
  precompute caches), `aug_ds` (validation images, training transforms: for TTA);
  `test_ds`, `test_aug_ds` when `test_name` is given (else None).
- `trn_dl` (shuffled; a last batch of one sample dropped, see training_loader), `val_dl`,
  `fix_dl`, `aug_dl`, `test_dl`, `test_aug_dl` (None without a test folder): DataLoaders
  yielding (x float32 Tensor (bs, 3, sz, sz), y int64 Tensor (bs,)).
- `classes` (sorted class folder names), `c` (their number), `sz` (alias `size`), `bs`, `path`,
  `num_workers`, `trn_y` / `val_y` (int64 label arrays), `train_tfm` / `val_tfm`,
  `tta_dl(n_aug=4, dataset=None)` (minigrad's: each item stacks the plain view and n_aug
  augmented views), `resize(targ_sz, new_path='tmp')` (fastai's: shrunk copies of the images).
"""
import math
import os

import numpy as np
from PIL import Image

from .fastai_transforms import imagenet_stats, tfms_from_stats
from .folder import ImageFolder, _readable, find_images, load_image
from .loader import DataLoader, training_loader


class FilesDataset:
    """fastai's FilesIndexArrayDataset: image files named relative to `path`, integer labels.

    Item i is `(transform(image), y[i])`. Attributes: `path`, `fnames` (relative to path, as
    fastai's: 'valid/cats/cat.1001.jpg'), `y` (int64 array), `transform`, `sz`, `c`,
    `samples` ((absolute path, label) pairs: what precompute keys its cache on), `denorm(batch)`."""

    def __init__(self, fnames, y, transform, path):
        self.path, self.fnames, self.transform = os.fspath(path), list(fnames), transform
        self.y = np.asarray(y, dtype=np.int64).reshape(len(self.fnames))
        self.samples = [(os.path.join(self.path, f), int(label)) for f, label in zip(self.fnames, self.y)]

    @property
    def sz(self):
        return getattr(self.transform, "sz", None)

    @property
    def c(self):
        return int(self.y.max()) + 1 if len(self.y) else 0

    @property
    def n(self):
        return len(self.fnames)

    def __len__(self):
        return len(self.fnames)

    def get_x(self, i):
        return load_image(self.samples[i][0])

    def get_y(self, i):
        return int(self.y[i])

    def __getitem__(self, i):
        img = self.get_x(i)
        return (self.transform(img) if self.transform is not None else img), self.get_y(i)

    def resize_imgs(self, targ, new_path):
        """A copy of this data set reading images whose shorter side is `targ`, written once under
        path/new_path/targ/<fname> (fastai's: big photos decode and augment faster once shrunk)."""
        dest = os.path.join(self.path, new_path, str(targ))
        for fname, (src, _) in zip(self.fnames, self.samples):
            out = os.path.join(dest, fname)
            if not os.path.exists(out):
                img = load_image(src)
                ratio = targ / min(img.size)
                size = tuple(max(math.floor(n * ratio), targ) for n in img.size)
                os.makedirs(os.path.dirname(out), exist_ok=True)
                img.resize(size, Image.BILINEAR).save(out)
        return type(self)(self.fnames, self.y, self.transform, dest)

    def denorm(self, arr):
        """A batch of normalised images (N, C, H, W) (Tensor or array; one (C, H, W) image is a batch
        of one) -> (N, H, W, C) float32 images in [0, 1] for plt.imshow, as fastai's `ds.denorm`.
        Values are clipped to [0, 1] (fastai's are not: only rounding noise differs)."""
        arr = getattr(arr, "array", arr) if not isinstance(arr, np.ndarray) else arr
        arr = np.asarray(arr.get() if hasattr(arr, "get") else arr, dtype=np.float32)
        if arr.ndim == 3:
            arr = arr[None]
        x = np.moveaxis(arr, 1, 3)
        denorm = getattr(self.transform, "denorm", None)
        return np.clip(denorm(x) if denorm is not None else x, 0, 1).astype(np.float32)

    def __repr__(self):
        return f"FilesDataset({len(self)} images under {self.path!r}, transform={self.transform!r})"


class AugmentedCopies:
    """Test-time augmentation: item i is (a stack of the validation view of image i and
    `n_aug` randomly augmented views of it, label)."""

    def __init__(self, dataset, aug_tfm, val_tfm, n_aug=4):
        self.dataset, self.aug_tfm, self.val_tfm, self.n_aug = dataset, aug_tfm, val_tfm, n_aug
        self.samples = dataset.samples

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, index):
        path, label = self.dataset.samples[index]
        img = load_image(path)
        views = [self.val_tfm(img)] + [self.aug_tfm(img) for _ in range(self.n_aug)]
        return np.stack(views), label


def _keep_readable(paths, skip_bad):
    return [p for p in paths if _readable(p)] if skip_bad else paths


class _ClassFolders(ImageFolder):
    """fastai's folder reading: Jupyter's .ipynb_checkpoints and other hidden folders are no class."""

    def find_classes(self, directory):
        classes, _ = super().find_classes(directory)
        classes = [c for c in classes if not c.startswith(".")]
        return classes, {c: i for i, c in enumerate(classes)}


def folder_source(path, folder, skip_bad=False):
    """(fnames relative to path, labels, classes) of path/folder/<class>/**/<image>."""
    images = _ClassFolders(os.path.join(path, folder), skip_bad=skip_bad)
    counts = np.bincount(np.array(images.targets, np.int64), minlength=len(images.classes))
    empty = [c for c, n in zip(images.classes, counts) if n == 0]
    if empty:  # every image of a class was unreadable and skipped: training on the rest is silently wrong
        where = ", ".join(os.path.join(path, folder, c) for c in empty)
        every = len(empty) == len(images.classes)
        raise ValueError(f"{where}: no readable image left after skipping the unreadable ones (skip_bad / "
                         f"--skip-bad), so {'all of ' + folder + '/' if every else 'that class'} would be empty; "
                         f"replace the bad images{'' if every else ' (or remove the class from train/ and valid/)'}")
    return [os.path.relpath(p, path) for p, _ in images.samples], np.array(images.targets, np.int64), images.classes


def read_dir(path, folder, skip_bad=False):
    """Unlabelled images under path/folder, relative to path."""
    full = os.path.join(path, folder)
    images = find_images(full) if os.path.isdir(full) else []
    if not images:
        raise FileNotFoundError(f"{full} doesn't exist or holds no images")
    images = _keep_readable(images, skip_bad)
    if not images:
        raise ValueError(f"{full}: no readable image left after skipping the unreadable ones (skip_bad / "
                         "--skip-bad); replace the bad images")
    return [os.path.relpath(p, path) for p in images]


def get_cv_idxs(n, cv_idx=0, val_pct=0.2, seed=42):
    """fastai's validation indices: int(val_pct * n) of a permutation seeded by `seed` (the same
    indices as fastai's, which seeded numpy's global generator; this one leaves it alone)."""
    n_val = int(val_pct * n)
    return np.random.RandomState(seed).permutation(n)[cv_idx * n_val:(cv_idx + 1) * n_val]


class ImageClassifierData:
    """Train, validation (and test) data sets and loaders for one image-classification task
    (fastai 0.7's; see the module docstring for every attribute). Build it with `from_paths` or
    `from_csv`; `ImageClassifierData(path, datasets, bs, num_workers, classes)` takes fastai's six
    data sets (trn, val, fix, aug, test, test_aug)."""

    def __init__(self, path, datasets, bs, num_workers, classes):
        self.path, self.bs, self.num_workers, self.classes = os.fspath(path), bs, num_workers, list(classes)
        if len(self.classes) < 2:
            raise ValueError(f"{self.path}: found {len(self.classes)} class ({self.classes}); training a classifier "
                             "needs at least 2 classes, one folder each (train/cats, train/dogs)")
        self.trn_ds, self.val_ds, self.fix_ds, self.aug_ds, self.test_ds, self.test_aug_ds = datasets
        self.train_tfm, self.val_tfm = self.trn_ds.transform, self.val_ds.transform
        self.trn_dl = training_loader(self.trn_ds, bs, num_workers)
        self.val_dl, self.fix_dl, self.aug_dl, self.test_dl, self.test_aug_dl = [
            DataLoader(ds, bs, num_workers=num_workers) if ds is not None else None
            for ds in (self.val_ds, self.fix_ds, self.aug_ds, self.test_ds, self.test_aug_ds)]

    @staticmethod
    def get_ds(trn, val, tfms, path, test=None):
        """fastai's six data sets from (fnames, y) pairs and (trn_tfms, val_tfms)."""
        if test is not None and not isinstance(test, tuple):
            test = (test, np.zeros(len(test), np.int64))  # fastai: zeros; unlabelled
        pairs = [(trn, tfms[0]), (val, tfms[1]), (trn, tfms[1]), (val, tfms[0])]
        pairs += [(test, tfms[1]), (test, tfms[0])] if test is not None else []
        datasets = [FilesDataset(fn, y, tfm, path) for (fn, y), tfm in pairs]
        return datasets + [None, None] * (test is None)

    @staticmethod
    def _tfms(tfms, size, aug_tfms, max_zoom):
        if tfms is None or tfms[0] is None or tfms[1] is None:
            if size is None:
                raise ValueError("please provide transformations for your train and validation sets: "
                                 "tfms=tfms_from_model(arch, sz) (fastai's), or size=sz")
            return tfms_from_stats(imagenet_stats, size, aug_tfms, max_zoom=max_zoom)
        if size is not None or aug_tfms is not None or max_zoom is not None:
            raise ValueError("give either tfms=tfms_from_model(arch, sz, aug_tfms=..., max_zoom=...) or "
                             "size=/aug_tfms=/max_zoom=, not both")
        return tfms

    @classmethod
    def from_paths(cls, path, bs=64, tfms=(None, None), trn_name="train", val_name="valid", test_name=None,
                   test_with_labels=False, num_workers=8, *, skip_bad=False, size=None, aug_tfms=None,
                   max_zoom=None, valid_pct=None, seed=42):
        """fastai 0.7's from_paths: labels from the class folders of path/trn_name and path/val_name.

        `tfms` is `tfms_from_model(arch, sz, ...)`'s pair. minigrad's additions (keyword only):
        `skip_bad=True` leaves unreadable images out (each named in a warning) instead of failing;
        `size=`, `aug_tfms=`, `max_zoom=` build ImageNet-normalised tfms in place of `tfms`
        (no augmentation unless aug_tfms/max_zoom ask for it, as tfms_from_model). `num_workers`
        counts threads. Unlabelled test images (test_with_labels=False) get label 0. A folder of class
        folders alone (no train/, valid/) takes `valid_pct=0.2`: get_cv_idxs(n, val_pct, seed) picks the
        validation images, as fastai's from_csv does; no file is moved."""
        path = os.fspath(path)
        tfms = cls._tfms(tfms, size, aug_tfms, max_zoom)
        if valid_pct is not None:
            if os.path.isdir(os.path.join(path, trn_name)) or os.path.isdir(os.path.join(path, val_name)):
                raise ValueError(f"{path} already has {trn_name}/ and {val_name}/ folders: valid_pct (--valid-pct) "
                                 "splits a folder of class folders alone; leave it out")
            names, y, classes = folder_source(path, "", skip_bad)
            is_val = np.zeros(len(names), bool)
            is_val[get_cv_idxs(len(names), val_pct=valid_pct, seed=seed)] = True
            names = np.array(names)
            datasets = cls.get_ds((names[~is_val], y[~is_val]), (names[is_val], y[is_val]), tfms, path)
            return cls(path, datasets, bs, num_workers, classes=classes)
        for name in (trn_name, val_name):
            if not os.path.isdir(os.path.join(path, name)):
                raise FileNotFoundError(
                    f"{os.path.join(path, name)} not found: a data folder needs {trn_name}/<class>/ and "
                    f"{val_name}/<class>/ (the dogscats layout); a folder of class folders alone can be split, "
                    "seeded, without moving a file: valid_pct=0.2 (--valid-pct 0.2 for recipes/lesson1.py)")
        trn, val = [folder_source(path, name, skip_bad) for name in (trn_name, val_name)]
        if trn[2] != val[2]:
            raise ValueError(f"{path}: train classes {trn[2]} differ from valid classes {val[2]}")
        test = None
        if test_name:
            test = folder_source(path, test_name, skip_bad)[:2] if test_with_labels else read_dir(path, test_name,
                                                                                                  skip_bad)
        return cls(path, cls.get_ds(trn[:2], val[:2], tfms, path, test=test), bs, num_workers, classes=trn[2])

    @classmethod
    def from_csv(cls, path, folder, csv_fname, bs=64, tfms=(None, None), val_idxs=None, suffix="", test_name=None,
                 continuous=False, skip_header=True, num_workers=8):
        """fastai 0.7's from_csv for single-label data: a CSV of (file name, label) rows naming the images
        in path/folder; `val_idxs` (default get_cv_idxs(n)) picks the validation rows. Multi-label rows
        (space-separated labels) and continuous=True are not implemented and say so."""
        import csv
        if tfms is None or tfms[0] is None or tfms[1] is None:
            raise ValueError("please provide transformations for your train and validation sets: "
                             "tfms=tfms_from_model(arch, sz)")
        if continuous:
            raise NotImplementedError("from_csv(continuous=True) (regression) is not implemented in minigrad")
        with open(csv_fname, newline="") as f:
            rows = [r for r in csv.reader(f) if r][1 if skip_header else 0:]
        labels = {r[0]: r[1] for r in rows}
        if any(len(v.split()) != 1 for v in labels.values()):
            raise NotImplementedError(f"{csv_fname}: rows with several labels (multi-label) are not implemented")
        names = sorted(labels)
        classes = sorted(set(labels.values()))
        fnames = np.array([os.path.join(folder, str(n) + suffix) for n in names])
        y = np.array([classes.index(labels[n]) for n in names], np.int64)
        val_idxs = get_cv_idxs(len(names)) if val_idxs is None else np.asarray(val_idxs)
        is_val = np.zeros(len(names), bool)
        is_val[val_idxs] = True
        test = read_dir(path, test_name) if test_name else None
        datasets = cls.get_ds((fnames[~is_val], y[~is_val]), (fnames[is_val], y[is_val]), tfms, path, test=test)
        return cls(path, datasets, bs, num_workers, classes)

    @property
    def sz(self):
        return self.trn_ds.sz

    size = sz  # minigrad's earlier name

    @property
    def c(self):
        return len(self.classes)

    @property
    def trn_y(self):
        return self.trn_ds.y

    @property
    def val_y(self):
        return self.val_ds.y

    def resize(self, targ_sz, new_path="tmp"):
        """fastai's data.resize: the same data read from copies with the shorter side targ_sz
        (written once under path/new_path/targ_sz/); returns a new ImageClassifierData."""
        datasets = [ds.resize_imgs(targ_sz, new_path) if ds is not None else None
                    for ds in (self.trn_ds, self.val_ds, self.fix_ds, self.aug_ds, self.test_ds, self.test_aug_ds)]
        return type(self)(datasets[0].path, datasets, self.bs, self.num_workers, self.classes)

    def tta_dl(self, n_aug=4, dataset=None):
        """Batches of (bs // (n_aug + 1)) images, each item (1 + n_aug views, label): view 0 the
        validation transform's, the others the training (augmenting) transform's."""
        copies = AugmentedCopies(dataset or self.val_ds, self.train_tfm, self.val_tfm, n_aug)
        return DataLoader(copies, max(1, self.bs // (n_aug + 1)), num_workers=self.num_workers)

    def __repr__(self):
        return (f"ImageClassifierData({self.path!r}: {len(self.trn_ds)} train, {len(self.val_ds)} valid"
                f"{f', {len(self.test_ds)} test' if self.test_ds is not None else ''} images, classes {self.classes}, "
                f"sz={self.sz}, bs={self.bs})")

